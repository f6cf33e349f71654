"""Persian demo data for the catalog: fields and sub-categories, the Kanoon's age groups,
terms, instructors, about sixty offerings with their sessions, and enrolments that leave
some offerings full and some below their quorum.

Everything goes through the catalog and accounts services (sessions skip the official
holidays of the shipped official calendar, or the package's estimates for a year not yet
published, P4; each instructor keeps to their own weekly slots, so no two of their
sessions clash). Dates are relative to today: the first term runs
from the first of the current Jalali month for about four months (never past the end of the
Jalali year), the second is next spring, which starts with Nowruz. Running it again changes
nothing: courses are found by title, and an offering spec counts as done when its course
already has that many offerings.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import jdatetime
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kargah.accounts import services as account_services
from kargah.accounts.demo import DEMO_PASSWORD, PROVINCES, national_code_for
from kargah.accounts.models import Center, Learner, Province, Role, User
from kargah.catalog import schedule, services
from kargah.catalog.looks import REFERENCE_ICONS
from kargah.catalog.models import (
    AgeGroup,
    Category,
    CategoryKind,
    Course,
    Holiday,
    Offering,
    OfferingStatus,
    Session,
    SessionStatus,
    Tag,
    Term,
)
from kargah.catalog.selectors import closed_days
from kargah.catalog.services_lifecycle import session_mark_taught
from kargah.core.errors import DomainError
from kargah.core.persian import JALALI_MONTHS_FA, to_persian_digits
from kargah.enrollment.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus
from kargah.payments.models import PaymentAttempt, PaymentPurpose, PaymentStatus
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account

# --- reference data ---------------------------------------------------------------------

FIELDS = [
    (CategoryKind.CULTURAL, "cultural", "فرهنگی"),
    (CategoryKind.ARTISTIC, "artistic", "هنری"),
    (CategoryKind.LITERARY, "literary", "ادبی"),
    (CategoryKind.SCIENTIFIC, "scientific", "علمی"),
    (CategoryKind.RELIGIOUS, "religious", "دینی"),
]
# (slug, name, field slug)
SUBCATEGORIES = [
    ("book-reading", "کتاب‌خوانی", "cultural"),
    ("philosophy-for-children", "فلسفه برای کودکان", "cultural"),
    ("life-skills", "مهارت‌های زندگی", "cultural"),
    ("iran-studies", "ایران‌شناسی و آداب و رسوم", "cultural"),
    ("painting", "نقاشی", "artistic"),
    ("music", "موسیقی", "artistic"),
    ("calligraphy", "خوشنویسی", "artistic"),
    ("handicrafts", "صنایع دستی", "artistic"),
    ("theatre", "نمایش", "artistic"),
    ("photography", "عکاسی", "artistic"),
    ("storytelling", "قصه‌گویی", "literary"),
    ("poetry", "شعر", "literary"),
    ("story-writing", "داستان‌نویسی", "literary"),
    ("robotics", "رباتیک", "scientific"),
    ("astronomy", "نجوم", "scientific"),
    ("programming", "برنامه‌نویسی", "scientific"),
    ("experiments", "آزمایش‌های علمی", "scientific"),
    ("fun-math", "ریاضی و بازی‌های فکری", "scientific"),
    ("quran-recitation", "قرائت قرآن", "religious"),
    ("quran-memorization", "حفظ قرآن", "religious"),
    ("religious-concepts", "مفاهیم دینی و اخلاق", "religious"),
]
# The Kanoon's age groups: (code, name, from age, to age)
AGE_GROUPS = [
    ("alef", "گروه سنی الف (۴ تا ۶ سال)", 4, 6),
    ("be", "گروه سنی ب (۷ تا ۹ سال)", 7, 9),
    ("jim", "گروه سنی ج (۱۰ تا ۱۲ سال)", 10, 12),
    ("dal", "گروه سنی د (۱۳ تا ۱۵ سال)", 13, 15),
    ("he", "گروه سنی ه (۱۶ تا ۱۸ سال)", 16, 18),
]
# Instructors of the virtual center besides the two the accounts demo creates:
# (username, first name, last name)
INSTRUCTORS = [
    ("instructor.music", "علیرضا", "شریفی"),
    ("instructor.khat", "مصطفی", "اکبری"),
    ("instructor.qesse", "مهسا", "رحیمی"),
    ("instructor.sher", "لیلا", "مرادی"),
    ("instructor.nojum", "بهرام", "توکلی"),
    ("instructor.tajvid", "حمید", "عباسی"),
    ("instructor.honar", "فرشته", "نیک‌نام"),
    ("instructor.farhang", "سمیه", "قاسمی"),
    ("instructor.code", "پویا", "رستمی"),
]
VIRTUAL_STAFF = "staff.virtual"
ADMIN = "admin"
ISFAHAN_INSTRUCTOR = "instructor.quran"  # the accounts demo puts him at the Isfahan center

CONDITIONS = (
    "۱. ثبت‌نام با پذیرش این شرایط و پرداخت کامل شهریه قطعی می‌شود.\n"
    "۲. حذف یا جابه‌جایی کلاس تا یک روز پیش از پایان مهلت ثبت‌نام ممکن است.\n"
    "۳. اگر تا پایان مهلت ثبت‌نام حد نصاب کلاس تکمیل نشود، کلاس لغو و همه مبلغ پرداختی "
    "بی‌درنگ به کیف پول خانواده برگردانده می‌شود.\n"
    "۴. جلسه‌ای که مرکز لغو کند، جبرانی دارد؛ غیبت فراگیر جلسه جبرانی ندارد.\n"
    "۵. پیش از نخستین جلسه، دوربین، میکروفون و هدست را در صفحه آزمون دستگاه بررسی کنید."
)


@dataclass(frozen=True)
class CourseSpec:
    title: str
    sub: str  # sub-category slug
    group: str  # age group code
    sessions: int
    minutes: int
    instructor: str  # username
    description: str
    documents: tuple[str, ...] = ()


C = CourseSpec
COURSES = [
    # --- artistic: painting
    C("نقاشی با آبرنگ برای کودکان", "painting", "be", 8, 75, "instructor.naghashi",
      "آشنایی با آبرنگ، ترکیب رنگ‌ها و کشیدن منظره‌های ساده. هر جلسه یک نقاشی کامل با "
      "وسایلی که در خانه پیدا می‌شود؛ فهرست وسایل پیش از جلسه اول فرستاده می‌شود."),
    C("نقاشی خلاق با مداد شمعی", "painting", "alef", 6, 60, "instructor.naghashi",
      "بازی با رنگ و شکل برای خردسالان: کودک با همراهی ولی، حیوانات، گل‌ها و خانه‌اش را "
      "با مداد شمعی می‌کشد و درباره نقاشی‌اش قصه می‌گوید."),
    C("طراحی با مداد: سایه‌روشن و پرسپکتیو", "painting", "dal", 10, 90, "instructor.naghashi",
      "اصول طراحی از روی مدل: خط، سایه‌روشن، حجم و پرسپکتیو یک‌نقطه‌ای و دونقطه‌ای، با "
      "تمرین‌های هفتگی و نقد کارها در کلاس."),
    C("تصویرسازی کتاب کودک", "painting", "jim", 8, 90, "instructor.naghashi",
      "فراگیران یک قصه کوتاه را می‌خوانند و برای آن شخصیت، صحنه و جلد می‌کشند؛ در پایان "
      "هر نفر یک کتاب مصور کوچک دارد."),
    C("نقاشی با گواش: طبیعت بی‌جان", "painting", "he", 10, 90, "instructor.naghashi",
      "کار با گواش روی مقوا: ترکیب‌بندی، رنگ‌شناسی و نور در طبیعت بی‌جان، برای نوجوانانی "
      "که طراحی پایه را می‌دانند."),
    C("عکاسی با تلفن همراه", "photography", "he", 8, 90, "instructor.naghashi",
      "قاب‌بندی، نور طبیعی، عکاسی از چهره و طبیعت و ویرایش ساده عکس با گوشی؛ هر هفته یک "
      "تمرین عکاسی در محله."),
    # --- artistic: music
    C("آشنایی با موسیقی و ریتم (ارف)", "music", "alef", 8, 60, "instructor.music",
      "بازی‌های ریتمیک، آواز و ساز‌های کوبه‌ای ساده به روش ارف؛ کودک با بدن و صدا ریتم را "
      "تجربه می‌کند."),
    C("آموزش مقدماتی سنتور", "music", "jim", 12, 60, "instructor.music",
      "نشستن پشت ساز، گرفتن مضراب، ریز و نخستین قطعه‌های ساده. فراگیر باید سنتور در خانه "
      "داشته باشد."),
    C("فلوت ریکوردر برای کودکان", "music", "be", 10, 60, "instructor.music",
      "نت‌خوانی ساده و نواختن ترانه‌های کودکانه با فلوت ریکوردر؛ اجرای گروهی در جلسه پایانی."),
    C("آواز گروهی و سرود", "music", "dal", 8, 75, "instructor.music",
      "تمرین تنفس، گرم کردن صدا و اجرای سرودهای ملی و محلی به صورت گروهی."),
    C("آشنایی با دستگاه‌های موسیقی ایرانی", "music", "he", 8, 90, "instructor.music",
      "شنیدن و شناختن دستگاه‌های هفت‌گانه و آوازها، با نمونه‌هایی از استادان موسیقی ایرانی."),
    # --- artistic: calligraphy
    C("خوشنویسی نستعلیق", "calligraphy", "dal", 12, 90, "instructor.khat",
      "قلم‌تراشی، حروف مفرد و ترکیب‌های ساده نستعلیق با قلم نی و مرکب؛ سرمشق هر جلسه در "
      "سامانه گذاشته می‌شود.",
      ("تصویر کارت شناسایی دانش‌آموزی",)),
    C("خوشنویسی با مداد (خط تحریری)", "calligraphy", "jim", 10, 60, "instructor.khat",
      "زیبانویسی با مداد و خودکار برای نوشتن روزانه: اندازه حروف، فاصله‌ها و کرسی خط."),
    C("خط نستعلیق پیشرفته: چلیپانویسی", "calligraphy", "he", 12, 90, "instructor.khat",
      "ترکیب کلمات، سطرنویسی و چلیپا برای کسانی که دوره مقدماتی نستعلیق را گذرانده‌اند."),
    # --- artistic: handicrafts
    C("کاردستی با کاغذ و مقوا", "handicrafts", "alef", 6, 60, "instructor.honar",
      "بریدن، تا زدن و چسباندن؛ ساختن حیوانات و اسباب‌بازی با کاغذ رنگی و مقوای بازیافتی."),
    C("صنایع دستی: گلیم‌بافی کوچک", "handicrafts", "jim", 8, 75, "instructor.honar",
      "آشنایی با گلیم و نقش‌های ایلیاتی و بافتن یک گلیم کوچک روی دار مقوایی."),
    C("سفالگری خانگی با خمیر", "handicrafts", "be", 8, 60, "instructor.honar",
      "ساختن ظرف و تندیس با خمیر سفالگری که در خانه خشک می‌شود، و رنگ کردن آن."),
    C("عروسک‌سازی با پارچه و نمد", "handicrafts", "be", 8, 75, "instructor.honar",
      "دوخت ساده، پرکردن و ساختن عروسک‌های نمدی؛ عروسک‌ها در کلاس نمایش به کار می‌آیند."),
    # --- artistic: theatre
    C("قصه‌گویی و نمایش خلاق", "theatre", "be", 8, 75, "instructor.qesse",
      "بازی‌های نمایشی، بدن و بیان و اجرای قصه‌های کوتاه؛ کودکان قصه را می‌سازند و خودشان "
      "اجرا می‌کنند."),
    C("نمایش عروسکی", "theatre", "alef", 8, 60, "instructor.qesse",
      "ساختن عروسک دستکشی و اجرای نمایش کوتاه پشت پرده‌ای که در خانه درست می‌شود."),
    C("بازیگری و بیان برای نوجوانان", "theatre", "dal", 10, 90, "instructor.qesse",
      "تمرین‌های بیان، بداهه‌پردازی و خوانش نمایشنامه؛ در پایان یک نمایش رادیویی ضبط می‌شود."),
    # --- literary
    C("قصه‌های شاهنامه برای خردسالان", "storytelling", "alef", 6, 60, "instructor.qesse",
      "قصه‌های زال و سیمرغ، رستم و رخش و کاوه آهنگر به زبان کودکانه، همراه با نقاشی و بازی."),
    C("فن قصه‌گویی برای کودکان", "storytelling", "jim", 8, 75, "instructor.qesse",
      "چگونه قصه را به یاد بسپاریم و با صدا، مکث و حرکت تعریف کنیم؛ هر فراگیر قصه‌ای را "
      "برای کلاس می‌گوید."),
    C("شعرخوانی و شعرسرایی کودک", "poetry", "be", 8, 60, "instructor.sher",
      "خواندن شعرهای کودکانه، شناختن وزن و قافیه با بازی، و سرودن نخستین شعرهای کوتاه."),
    C("آشنایی با شعر حافظ و سعدی", "poetry", "dal", 8, 75, "instructor.sher",
      "خواندن و فهمیدن غزل‌ها و حکایت‌های برگزیده از حافظ و سعدی و گفت‌وگو درباره معنای آن‌ها."),
    C("کارگاه سرودن شعر نو", "poetry", "he", 10, 90, "instructor.sher",
      "تصویر، زبان و ساختار در شعر نو؛ نقد شعرهای فراگیران در کلاس."),
    C("داستان‌نویسی خلاق", "story-writing", "jim", 10, 75, "instructor.sher",
      "شخصیت‌پردازی، گفت‌وگو و پایان‌بندی؛ هر فراگیر یک داستان کوتاه کامل می‌نویسد."),
    C("کارگاه نویسندگی نوجوان", "story-writing", "dal", 10, 90, "instructor.sher",
      "نوشتن خاطره، جستار و داستان کوتاه با تمرین‌های هفتگی و بازخورد مربی."),
    # --- scientific
    C("رباتیک مقدماتی با آردوینو", "robotics", "dal", 10, 90, "instructor.robotic",
      "برنامه‌نویسی برد آردوینو، کار با LED، حسگر نور و موتور؛ ساختن یک ربات کوچک تا جلسه "
      "آخر. فهرست قطعات پیش از شروع کلاس فرستاده می‌شود."),
    C("رباتیک با لگو برای کودکان", "robotics", "be", 8, 75, "instructor.robotic",
      "ساختن سازه‌های متحرک با قطعات لگو و آشنایی با چرخ‌دنده، اهرم و موتور."),
    C("ساخت ربات مسیریاب", "robotics", "he", 12, 90, "instructor.robotic",
      "حسگرهای مادون قرمز، کنترل موتور و الگوریتم دنبال کردن خط؛ مسابقه ربات‌ها در جلسه پایانی."),
    C("الکترونیک سرگرم", "robotics", "jim", 8, 75, "instructor.robotic",
      "مدارهای ساده با باتری، لامپ، کلید و بازر؛ ساختن زنگ در و چراغ‌قوه."),
    C("نجوم برای کودکان: سفر به منظومه شمسی", "astronomy", "be", 6, 60, "instructor.nojum",
      "سیاره‌ها، ماه و خورشید با مدل‌سازی و بازی؛ ساختن منظومه شمسی کاغذی."),
    C("رصد آسمان شب و شناخت صورت‌های فلکی", "astronomy", "dal", 8, 75, "instructor.nojum",
      "نقشه آسمان، صورت‌های فلکی هر فصل و رصد با چشم غیرمسلح و دوربین دوچشمی."),
    C("نجوم و اخترفیزیک مقدماتی", "astronomy", "he", 10, 90, "instructor.nojum",
      "ستارگان و تحول آن‌ها، کهکشان‌ها و کیهان‌شناسی به زبان ساده، برای نوجوانان علاقه‌مند."),
    C("آزمایش‌های علمی در خانه", "experiments", "jim", 8, 60, "instructor.nojum",
      "آزمایش‌های بی‌خطر با وسایل آشپزخانه: فشار هوا، چگالی، آهنربا و واکنش‌های ساده."),
    C("دانشمند کوچک: علوم با بازی", "experiments", "alef", 6, 60, "instructor.nojum",
      "مشاهده، پرسیدن و آزمودن با بازی؛ آب، رنگ، سایه و گیاه برای خردسالان کنجکاو."),
    C("برنامه‌نویسی با اسکرچ", "programming", "jim", 10, 75, "instructor.code",
      "ساختن بازی و پویانمایی با بلوک‌های اسکرچ؛ حلقه، شرط و متغیر با پروژه‌های کوچک."),
    C("برنامه‌نویسی پایتون برای نوجوانان", "programming", "he", 12, 90, "instructor.code",
      "متغیر، شرط، حلقه، تابع و ساختن بازی‌های متنی با پایتون؛ تمرین هفتگی در سامانه."),
    C("ساخت بازی با اسکرچ جونیور", "programming", "be", 8, 60, "instructor.code",
      "نخستین تجربه برنامه‌نویسی با اسکرچ جونیور روی تبلت: شخصیت‌ها را حرکت بده و قصه بساز."),
    C("ریاضی سرگرم و بازی‌های فکری", "fun-math", "jim", 8, 60, "instructor.code",
      "معما، الگو و بازی‌های استراتژی برای تقویت تفکر منطقی؛ بی‌نمره و بی‌امتحان."),
    # --- religious
    C("تجوید و قرائت قرآن کریم", "quran-recitation", "dal", 12, 60, "instructor.tajvid",
      "مخارج حروف، صفات و احکام تجوید با تمرین قرائت؛ هر فراگیر در کلاس تلاوت می‌کند."),
    C("آموزش روخوانی قرآن برای کودکان", "quran-recitation", "be", 10, 60, "instructor.tajvid",
      "حروف و حرکات، خواندن کلمات و آیات کوتاه قرآن با روش شاد و گام‌به‌گام."),
    C("قرائت قرآن به شیوه ترتیل", "quran-recitation", "he", 10, 75, "instructor.tajvid",
      "ترتیل، وقف و ابتدا و آشنایی با قاریان برجسته؛ برای نوجوانانی که روخوانی می‌دانند."),
    C("حفظ جزء سی‌ام قرآن", "quran-memorization", "jim", 12, 60, "instructor.tajvid",
      "روش‌های حفظ و مرور، حفظ سوره‌های جزء سی‌ام با معنای ساده آیات.",
      ("گواهی گذراندن دوره روخوانی قرآن",)),
    C("آشنایی با نهج‌البلاغه برای نوجوانان", "religious-concepts", "he", 8, 75,
      "instructor.tajvid",
      "خواندن و گفت‌وگو درباره نامه‌ها و حکمت‌های برگزیده نهج‌البلاغه."),
    C("قصه‌های قرآنی برای خردسالان", "religious-concepts", "alef", 6, 60, "instructor.farhang",
      "قصه‌های پیامبران با نقاشی، کاردستی و بازی برای خردسالان."),
    # --- cultural
    C("باشگاه کتاب‌خوانی کودکان", "book-reading", "be", 8, 60, "instructor.farhang",
      "هر هفته یک کتاب از کتابخانه کانون خوانده می‌شود و کودکان درباره آن گفت‌وگو می‌کنند "
      "و نقاشی می‌کشند."),
    C("فلسفه برای کودکان: گفت‌وگو و پرسش", "philosophy-for-children", "jim", 8, 75,
      "instructor.farhang",
      "حلقه کندوکاو: پرسیدن، دلیل آوردن و شنیدن نظر دیگران درباره قصه‌ها و پرسش‌های بزرگ."),
    C("مهارت‌های زندگی: دوستی و همدلی", "life-skills", "jim", 6, 60, "instructor.farhang",
      "شناختن احساس‌ها، گوش دادن، همدلی و حل مسئله در دوستی‌ها با بازی و نمایش."),
    C("ایران‌گردی مجازی: آشنایی با شهرهای ایران", "iran-studies", "dal", 8, 75,
      "instructor.farhang",
      "سفر مجازی به شهرهای تاریخی ایران: بناها، غذاها، لهجه‌ها و آیین‌های هر منطقه."),
    C("آداب و رسوم ایرانی: از یلدا تا نوروز", "iran-studies", "be", 12, 60, "instructor.farhang",
      "هر هفته یک جشن یا آیین: شب یلدا، جشن سده، چهارشنبه‌سوری و نوروز، با قصه، بازی و "
      "کاردستی. کلاس از پیش از یلدا تا پس از نوروز برگزار می‌شود."),
    C("کتاب‌خوانی نوجوان و نقد کتاب", "book-reading", "dal", 8, 75, "instructor.farhang",
      "خواندن رمان‌های نوجوان، نوشتن یادداشت و نقد و گفت‌وگو درباره شخصیت‌ها."),
    C("مهارت‌های زندگی: مدیریت زمان برای نوجوانان", "life-skills", "he", 6, 75,
      "instructor.farhang",
      "برنامه‌ریزی درس و فراغت، تمرکز و کنار آمدن با استرس امتحان."),
    # --- the Isfahan center (a provincial course)
    C("قرائت قرآن کریم با لحن", "quran-recitation", "dal", 10, 60, ISFAHAN_INSTRUCTOR,
      "آشنایی با لحن‌ها و صوت در قرائت قرآن و تمرین تلاوت گروهی، از مرکز اصفهان."),
    C("روخوانی قرآن برای نوآموزان", "quran-recitation", "be", 8, 60, ISFAHAN_INSTRUCTOR,
      "روخوانی آیات و سوره‌های کوتاه برای نوآموزان دبستانی، از مرکز اصفهان."),
    C("حفظ سوره‌های کوتاه قرآن", "quran-memorization", "alef", 6, 60, ISFAHAN_INSTRUCTOR,
      "حفظ سوره‌های کوتاه با شعر، تصویر و تکرار شاد برای خردسالان، از مرکز اصفهان."),
    C("صوت و لحن قرآن برای نوجوانان", "quran-recitation", "he", 10, 75, ISFAHAN_INSTRUCTOR,
      "تمرین صوت، تنفس و لحن در تلاوت برای نوجوانان، از مرکز اصفهان."),
]  # fmt: skip


@dataclass(frozen=True)
class OfferingSpec:
    title: str
    term: str = "current"  # "current", "spring" (virtual center) or "isfahan"
    window: str = "open"  # "open" now, "closed" already, opening "later", or "draft"
    fill: str = "some"  # "full", "below" (its quorum), "some" (at least the quorum), "none"
    days: tuple[int, ...] = ()  # preferred weekdays (Saturday 0); else chosen freely
    offset: int | None = None  # days from today (current term) or from the spring's start


Spec = OfferingSpec
OFFERINGS = [
    # the current term: full, below quorum, registration closed, opening later, drafts
    Spec("رباتیک مقدماتی با آردوینو", fill="full", offset=6),
    Spec("نقاشی با آبرنگ برای کودکان", fill="full", offset=9),
    Spec("قصه‌گویی و نمایش خلاق", fill="full", offset=12),
    Spec("برنامه‌نویسی با اسکرچ", window="closed", fill="full"),
    Spec("نقاشی خلاق با مداد شمعی", window="closed"),
    Spec("خوشنویسی با مداد (خط تحریری)", window="closed"),
    Spec("فلسفه برای کودکان: گفت‌وگو و پرسش", window="closed"),
    Spec("آشنایی با شعر حافظ و سعدی", fill="below", offset=10),
    Spec("آشنایی با دستگاه‌های موسیقی ایرانی", fill="below", offset=15),
    Spec("صنایع دستی: گلیم‌بافی کوچک", fill="below", offset=8),
    Spec("قرائت قرآن به شیوه ترتیل", fill="below", offset=20),
    Spec("ایران‌گردی مجازی: آشنایی با شهرهای ایران", window="later", fill="none"),
    Spec("الکترونیک سرگرم", window="later", fill="none"),
    Spec("کارگاه نویسندگی نوجوان", window="later", fill="none"),
    Spec("آواز گروهی و سرود", window="draft", fill="none"),
    # sessions that cross the winter holidays: Wednesdays (Imam Ali's birthday, the
    # Mab'ath, Eid al-Fitr and, after the last Wednesday of the year, Nowruz), Thursdays
    # (22 Bahman), and the Esfand holidays
    Spec("آداب و رسوم ایرانی: از یلدا تا نوروز", days=(4,), offset=21),
    Spec("خوشنویسی نستعلیق", days=(5,), offset=20),
    Spec("تجوید و قرائت قرآن کریم", days=(2, 5), offset=60),
    Spec("کتاب‌خوانی نوجوان و نقد کتاب", days=(1, 4), offset=40),
    Spec("آموزش مقدماتی سنتور"),
    Spec("فلوت ریکوردر برای کودکان"),
    Spec("طراحی با مداد: سایه‌روشن و پرسپکتیو"),
    Spec("تصویرسازی کتاب کودک"),
    Spec("آشنایی با موسیقی و ریتم (ارف)"),
    Spec("کاردستی با کاغذ و مقوا"),
    Spec("سفالگری خانگی با خمیر"),
    Spec("نمایش عروسکی"),
    Spec("بازیگری و بیان برای نوجوانان"),
    Spec("قصه‌های شاهنامه برای خردسالان"),
    Spec("فن قصه‌گویی برای کودکان"),
    Spec("شعرخوانی و شعرسرایی کودک"),
    Spec("کارگاه سرودن شعر نو"),
    Spec("داستان‌نویسی خلاق"),
    Spec("رباتیک با لگو برای کودکان"),
    Spec("نجوم برای کودکان: سفر به منظومه شمسی"),
    Spec("رصد آسمان شب و شناخت صورت‌های فلکی"),
    Spec("آزمایش‌های علمی در خانه"),
    Spec("دانشمند کوچک: علوم با بازی"),
    Spec("برنامه‌نویسی پایتون برای نوجوانان"),
    Spec("ریاضی سرگرم و بازی‌های فکری"),
    Spec("آموزش روخوانی قرآن برای کودکان"),
    Spec("حفظ جزء سی‌ام قرآن"),
    Spec("آشنایی با نهج‌البلاغه برای نوجوانان"),
    Spec("باشگاه کتاب‌خوانی کودکان"),
    Spec("مهارت‌های زندگی: دوستی و همدلی"),
    Spec("مهارت‌های زندگی: مدیریت زمان برای نوجوانان"),
    # next spring: the first weeks cross Nowruz (1–4 Farvardin) and 12–14 Farvardin
    Spec("نقاشی با آبرنگ برای کودکان", term="spring", days=(1, 3), offset=0),
    Spec("رباتیک مقدماتی با آردوینو", term="spring", days=(2, 4), offset=0),
    Spec("نقاشی با گواش: طبیعت بی‌جان", term="spring", days=(1,), offset=0),
    Spec("عکاسی با تلفن همراه", term="spring", days=(0, 3), offset=0),
    Spec("خط نستعلیق پیشرفته: چلیپانویسی", term="spring", offset=7),
    Spec("قصه‌های قرآنی برای خردسالان", term="spring", days=(4,), offset=0),
    Spec("عروسک‌سازی با پارچه و نمد", term="spring", window="later", fill="none", offset=14),
    Spec("ساخت بازی با اسکرچ جونیور", term="spring", window="later", fill="none", offset=10),
    # the end of spring: Ghadir, Tasua and Ashura
    Spec("نجوم و اخترفیزیک مقدماتی", term="spring", days=(3, 4), offset=60),
    Spec("ساخت ربات مسیریاب", term="spring", window="draft", fill="none", offset=21),
    # the Isfahan center's own term
    Spec("قرائت قرآن کریم با لحن", term="isfahan"),
    Spec("روخوانی قرآن برای نوآموزان", term="isfahan"),
    Spec("حفظ سوره‌های کوتاه قرآن", term="isfahan", fill="below"),
    Spec("صوت و لحن قرآن برای نوجوانان", term="isfahan", window="later", fill="none"),
]

# Families beyond the accounts demo's four, to fill the classes.
EXTRA_FAMILIES = 80
FIRST_MOBILE = 1001  # +98912000 1001 …
FIRST_NATIONAL_CODE_SEED = 1000
MAX_ENROLMENTS_PER_LEARNER = 5
GUARDIAN_MEN = ["حسن", "مجید", "سعید", "محسن", "بهزاد", "کامران", "جواد", "ناصر", "وحید", "یوسف"]
GUARDIAN_WOMEN = ["مریم", "الهام", "شیرین", "نسرین", "پریسا", "رویا", "زینب", "معصومه", "آزاده"]
LAST_NAMES = [
    "اکبری", "باقری", "تهرانی", "جلالی", "حیدری", "خسروی", "دهقان", "رستگار", "زارعی",
    "سلطانی", "شجاعی", "صفوی", "طاهری", "عزیزی", "فراهانی", "قربانی", "کرمانی", "لطفی",
    "مختاری", "نجفی", "وکیلی", "هاشمی", "یوسفی", "امینی", "بهرامی", "پاکزاد", "ثابتی",
]  # fmt: skip
GIRLS = [
    "آوا", "باران", "پرنیان", "ترنم", "حنانه", "دینا", "رها", "زهرا", "سارینا", "فاطمه",
    "کوثر", "مهسا", "نیایش", "هلیا", "یسنا", "الینا", "ریحانه", "مبینا", "آیدا", "غزل",
]  # fmt: skip
BOYS = [
    "آرمان", "امیرعلی", "بردیا", "پارسا", "حسین", "رادین", "سامان", "سبحان", "طاها",
    "علی", "کیان", "محمدرضا", "مهدی", "نیما", "یزدان", "ماهان", "ایلیا", "امیرحسین",
]  # fmt: skip

# Weekly time slots: an offering's sessions (at most 90 minutes) start on these times, so
# slots on the same weekday never overlap. Friday is the Iranian weekend.
START_TIMES = ["16:30", "18:00", "15:00", "10:30", "09:00"]
WEEKDAYS = [0, 1, 2, 3, 4, 5]
WEEKDAY_PAIRS: list[tuple[int, ...]] = [
    (0, 2),
    (1, 3),
    (2, 4),
    (3, 5),
    (0, 3),
    (1, 4),
    (2, 5),
    (0, 4),
    (1, 5),
    (0, 5),
]


# --- helpers ---------------------------------------------------------------------------


def demo_class_sessions(
    offering: Offering,
    instructor: User,
    starts: Iterable[dt.datetime],
    *,
    minutes: int,
    held: int,
) -> list[Session]:
    """A demo class made by hand put in order (the desk's and the certificates' demos): its
    search fields, its instructor, and a session at each start, the first `held` of them
    held and taught two minutes in."""
    services._derive_filter_fields(offering)
    offering.save()
    offering.instructors.set([instructor])
    sessions = []
    for number, start in enumerate(starts, start=1):
        was_held = number <= held
        sessions.append(
            Session.objects.create(
                offering=offering,
                number=number,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=minutes),
                status=SessionStatus.HELD if was_held else SessionStatus.SCHEDULED,
                taught_at=start + dt.timedelta(minutes=2) if was_held else None,
            )
        )
    return sessions


def _rng(*parts: object) -> random.Random:
    """A random source that depends only on its arguments (repeatable demo data)."""
    key = "|".join(str(p) for p in parts).encode()
    return random.Random(zlib.crc32(key))  # noqa: S311  (demo data, not secrets)


def _jalali(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


def _month_start(year: int, month: int) -> dt.date:
    while month > 12:
        year, month = year + 1, month - 12
    return _jalali(year, month, 1)


def term_dates(today: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The current term (the first of this Jalali month to the end of the third month
    after it, never past the end of the year) and next spring (1 Farvardin–31 Khordad)."""
    j = jdatetime.date.fromgregorian(date=today)
    spring = _jalali(j.year + 1, 1, 1)
    current_end = min(_month_start(j.year, j.month + 4), spring) - dt.timedelta(days=1)
    return {
        "current": (_month_start(j.year, j.month), current_end),
        "spring": (spring, _jalali(j.year + 1, 4, 1) - dt.timedelta(days=1)),
    }


def _season(month: int) -> str:
    return ("بهار", "تابستان", "پاییز", "زمستان")[(month - 1) // 3]


def term_name(start: dt.date, end: dt.date) -> str:
    first = jdatetime.date.fromgregorian(date=start)
    last = jdatetime.date.fromgregorian(date=end)
    seasons = _season(first.month)
    if _season(last.month) != seasons:
        seasons = f"{seasons} و {_season(last.month)}"
    months = f"{JALALI_MONTHS_FA[first.month - 1]} تا {JALALI_MONTHS_FA[last.month - 1]}"
    return f"ترم {seasons} {to_persian_digits(first.year)} ({months})"


def _tehran(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return schedule.tehran_datetime(day, dt.time(hour, minute))


def _minutes(start: str) -> int:
    hours, minutes = start.split(":")
    return int(hours) * 60 + int(minutes)


Busy = list[tuple[int, int, int]]  # (weekday, from minute, to minute) in the week


def _busy_of(pattern: object, minutes: int) -> Busy:
    try:
        slots = schedule.parse_pattern(pattern)
    except DomainError:  # a broken pattern holds no slot
        return []
    return [
        (
            s.weekday,
            s.start.hour * 60 + s.start.minute,
            s.start.hour * 60 + s.start.minute + minutes,
        )
        for s in slots
    ]


def _overlaps(busy: Busy, wanted: Busy) -> bool:
    return any(
        day == other_day and start < other_end and other_start < end
        for day, start, end in wanted
        for other_day, other_start, other_end in busy
    )


def _choose_pattern(
    busy: Busy, *, minutes: int, per_week: int, preferred: tuple[int, ...], turn: int
) -> list[dict[str, object]]:
    """The first weekly pattern, preferred weekdays first, that keeps clear of `busy`."""
    times = START_TIMES[turn % len(START_TIMES) :] + START_TIMES[: turn % len(START_TIMES)]
    day_sets: list[tuple[int, ...]] = [preferred] if preferred else []
    choices: list[tuple[int, ...]] = WEEKDAY_PAIRS if per_week == 2 else [(d,) for d in WEEKDAYS]
    shift = turn % len(choices)
    day_sets += choices[shift:] + choices[:shift]
    for days in day_sets:
        for start in times:
            wanted = [(d, _minutes(start), _minutes(start) + minutes) for d in days]
            if not _overlaps(busy, wanted):
                return [{"weekday": d, "start": start} for d in days]
    raise RuntimeError("no free weekly slot left for the demo instructor")


def _first_pattern_day(first: dt.date, pattern: list[dict[str, object]]) -> dt.date:
    weekdays = {int(str(p["weekday"])) for p in pattern}
    day = first
    while schedule.iranian_weekday(day) not in weekdays:
        day += dt.timedelta(days=1)
    return day


def _birth_date(today: dt.date, age: int, rng: random.Random) -> dt.date:
    """A birth date on which the child is exactly `age` today."""
    anniversary = today.replace(year=today.year - age, day=min(today.day, 28))
    return anniversary - dt.timedelta(days=rng.randint(20, 330))


# --- seeding ---------------------------------------------------------------------------


def seed_categories() -> dict[str, Category]:
    """The five fields and their sub-categories, by slug (also used by bench/)."""
    found: dict[str, Category] = {}
    for kind, slug, name in FIELDS:
        found[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "icon": REFERENCE_ICONS.get(slug, "")}
        )
    for slug, name, parent in SUBCATEGORIES:
        found[slug], _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": found[parent].kind,
                "parent": found[parent],
                "icon": REFERENCE_ICONS.get(slug, ""),
            },
        )
    return found


def seed_age_groups() -> dict[str, AgeGroup]:
    """The Kanoon's age groups, by code (also used by bench/)."""
    found: dict[str, AgeGroup] = {}
    for code, name, low, high in AGE_GROUPS:
        found[code], _ = AgeGroup.objects.get_or_create(
            code=code, defaults={"name": name, "min_age": low, "max_age": high}
        )
    return found


def _instructors(virtual: Center) -> dict[str, User]:
    for username, first, last in INSTRUCTORS:
        if not User.objects.filter(username=username).exists():
            account_services.staff_user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                role=Role.INSTRUCTOR,
                center=virtual,
                first_name=first,
                last_name=last,
            )
    usernames = {spec.instructor for spec in COURSES}
    return {u.username: u for u in User.objects.filter(username__in=usernames)}


def _families(today: dt.date) -> None:
    """Extra guardians (+98912000 1001 …) with one to three children of every age."""
    rng = random.Random(1405)  # noqa: S311  (repeatable demo data)
    provinces = {p.code: p for p in Province.objects.filter(code__in=[c for c, _ in PROVINCES])}
    seed = FIRST_NATIONAL_CODE_SEED
    age = 4
    for index in range(EXTRA_FAMILIES):
        mobile = f"+98912000{FIRST_MOBILE + index:04d}"
        mother = index % 2 == 0
        first = rng.choice(GUARDIAN_WOMEN if mother else GUARDIAN_MEN)
        last = LAST_NAMES[index % len(LAST_NAMES)]
        province = provinces[PROVINCES[rng.randrange(len(PROVINCES))][0]]
        children = rng.choice((1, 1, 2, 2, 2, 3))
        guardian = account_services.guardian_get_or_create(mobile=mobile)
        if not guardian.first_name:
            User.objects.filter(pk=guardian.pk).update(first_name=first, last_name=last)
        for _child in range(children):
            girl = rng.random() < 0.5
            name = rng.choice(GIRLS if girl else BOYS)
            birth = _birth_date(today, age, rng)
            code = national_code_for(seed)
            seed += 1
            child_age, age = age, 4 if age == 18 else age + 1
            if Learner.objects.filter(national_code=code).exists():
                continue
            account_services.learner_create(
                guardian=guardian,
                first_name=name,
                last_name=last,
                birth_date=birth,
                national_code=code,
                gender="girl" if girl else "boy",
                province=province,
                school_grade=max(0, min(12, child_age - 6)),
                data_confirmed=True,
            )


class _Terms:
    """Terms are made when the first offering needs one, so a later run that creates
    nothing adds no empty term either."""

    def __init__(self, today: dt.date, centers: dict[str, Center]) -> None:
        self.dates = term_dates(today)
        self.dates["isfahan"] = self.dates["current"]
        self.centers = centers
        self.made: dict[str, Term] = {}

    def get(self, key: str) -> Term:
        if key not in self.made:
            start, end = self.dates[key]
            self.made[key], _ = Term.objects.get_or_create(
                center=self.centers[key],
                name=term_name(start, end),
                defaults={"starts_on": start, "ends_on": end},
            )
        return self.made[key]


@dataclass
class _Made:
    offering: Offering
    fill: str


def _offering_params(
    spec: OfferingSpec,
    course: Course,
    *,
    today: dt.date,
    terms: _Terms,
    busy: Busy,
    turn: int,
) -> dict[str, object]:
    rng = _rng(spec.title, spec.term)
    per_week = 2 if course.session_count >= 10 else rng.choice((1, 1, 2))
    if spec.days:
        per_week = len(spec.days)
    pattern = _choose_pattern(
        busy, minutes=course.session_minutes, per_week=per_week, preferred=spec.days, turn=turn
    )
    term_start, _term_end = terms.dates[spec.term]
    if spec.window == "closed":
        start_from = today - dt.timedelta(days=3)
    elif spec.term == "spring":
        start_from = term_start + dt.timedelta(days=spec.offset or 0)
    elif spec.offset is not None:
        start_from = today + dt.timedelta(days=spec.offset)
    elif spec.window == "later":
        start_from = today + dt.timedelta(days=35 + rng.randint(0, 10))
    else:
        start_from = today + dt.timedelta(days=4 + (turn * 7) % 38)
    first_date = _first_pattern_day(start_from, pattern)
    plan = schedule.plan_sessions(
        pattern=pattern,
        first_date=first_date,
        count=course.session_count,
        minutes=course.session_minutes,
        closed=closed_days(
            center=course.center, start=first_date, end=first_date + dt.timedelta(days=730)
        ),
    )
    first_session = plan.sessions[0][0]
    day_before = _tehran(first_session.date() - dt.timedelta(days=1), 23, 59)
    if spec.window == "closed":
        opens = _tehran(first_date - dt.timedelta(days=21), 8)
        closes = min(day_before, _tehran(today - dt.timedelta(days=1), 20))
    elif spec.window == "later":
        opens = max(
            _tehran(today + dt.timedelta(days=7 + rng.randint(0, 5)), 8),
            _tehran(first_date - dt.timedelta(days=30), 8),
        )
        closes = day_before
    else:
        opens = _tehran(today - dt.timedelta(days=7), 8)
        closes = day_before
    assert opens < closes <= first_session, spec.title
    if spec.fill == "full":
        capacity = rng.randint(10, 12)
    elif course.age_group.min_age <= 6:
        capacity = rng.randint(10, 15)
    else:
        capacity = rng.randint(12, 30)
    quorum = rng.randint(5, 8) if spec.fill == "below" else rng.randint(3, min(10, capacity))
    fee = course.session_count * course.session_minutes * rng.uniform(4200, 11000)
    fee_rials = int(min(12_000_000, max(1_500_000, round(fee, -5))))
    return {
        "capacity": capacity,
        "quorum": quorum,
        "fee_rials": fee_rials,
        "registration_opens_at": opens,
        "registration_closes_at": closes,
        "weekly_pattern": pattern,
        "first_date": first_date,
    }


def _offerings(
    *,
    today: dt.date,
    centers: dict[str, Center],
    actors: dict[str, User],
    categories: dict[str, Category],
    groups: dict[str, AgeGroup],
    instructors: dict[str, User],
) -> list[_Made]:
    terms = _Terms(today, centers)
    specs = {spec.title: spec for spec in COURSES}
    # What each instructor already teaches, so that new patterns keep clear of it.
    busy: dict[str, Busy] = defaultdict(list)
    for offering in (
        Offering.objects.filter(instructors__username__in=list(instructors))
        .exclude(status=OfferingStatus.CANCELLED)
        .select_related("course")
        .prefetch_related("instructors")
    ):
        for person in offering.instructors.all():
            busy[person.username] += _busy_of(
                offering.weekly_pattern, offering.course.session_minutes
            )
    wanted_so_far: dict[str, int] = defaultdict(int)
    made: list[_Made] = []
    for turn, spec in enumerate(OFFERINGS):
        course_spec = specs[spec.title]
        center = centers[spec.term]
        actor = actors[spec.term]
        course = Course.objects.filter(center=center, title=spec.title).first()
        if course is None:
            course = services.course_create(
                actor=actor,
                center=center,
                category=categories[course_spec.sub],
                age_group=groups[course_spec.group],
                title=course_spec.title,
                description=course_spec.description,
                session_count=course_spec.sessions,
                session_minutes=course_spec.minutes,
                conditions_text=CONDITIONS,
                required_documents=course_spec.documents,
            )
        wanted_so_far[spec.title] += 1
        if course.offerings.count() >= wanted_so_far[spec.title]:
            continue  # made by an earlier run
        instructor = instructors[course_spec.instructor]
        params = _offering_params(
            spec,
            course,
            today=today,
            terms=terms,
            busy=busy[instructor.username],
            turn=turn,
        )
        offering = services.offering_create(
            actor=actor,
            course=course,
            term=terms.get(spec.term),
            instructors=[instructor],
            **params,  # type: ignore[arg-type]
        )
        busy[instructor.username] += _busy_of(offering.weekly_pattern, course.session_minutes)
        if spec.window != "draft":
            offering = services.offering_publish(actor=actor, offering=offering)
        made.append(_Made(offering, spec.fill))
    return made


def _enrol(made: Iterable[_Made], *, today: dt.date, now: dt.datetime) -> int:
    """Confirmed enrolments for the offerings made in this run: full ones to capacity,
    "below" ones short of their quorum, the rest at or a little over it. A learner is
    put only in classes for their age, at most five, none at the same weekly time."""
    learners = list(Learner.objects.order_by("id"))
    count: dict[int, int] = defaultdict(int)
    busy: dict[int, Busy] = defaultdict(list)
    for enrolment in Enrollment.objects.filter(status__in=ACTIVE_STATUSES).select_related(
        "offering__course"
    ):
        count[enrolment.learner_id] += 1
        busy[enrolment.learner_id] += _busy_of(
            enrolment.offering.weekly_pattern, enrolment.offering.course.session_minutes
        )
    order = {"full": 0, "below": 1, "some": 2, "none": 3}
    created = 0
    for item in sorted(made, key=lambda m: (order[m.fill], m.offering.pk)):
        offering = item.offering
        if item.fill == "none" or offering.status != OfferingStatus.PUBLISHED:
            continue
        rng = _rng("enrol", offering.course.title, offering.term_id)
        if item.fill == "full":
            target = offering.capacity
        elif item.fill == "below":
            target = max(1, offering.quorum - rng.randint(1, 3))
        else:
            target = min(offering.capacity - 1, offering.quorum + rng.randint(0, 5))
        conditions = services.current_conditions(offering.course)
        assert conditions is not None
        wanted = _busy_of(offering.weekly_pattern, offering.course.session_minutes)
        candidates = [
            learner
            for learner in learners
            if offering.min_age <= learner.age_on(today) <= offering.max_age
        ]
        rng.shuffle(candidates)
        candidates.sort(key=lambda learner: count[learner.pk])  # stable: spread the load
        chosen = [
            learner
            for learner in candidates
            if count[learner.pk] < MAX_ENROLMENTS_PER_LEARNER
            and not _overlaps(busy[learner.pk], wanted)
        ][:target]
        if item.fill == "full" and len(chosen) < target:
            raise RuntimeError(f"not enough demo learners to fill «{offering.course.title}»")
        fee = offering.fee_rials or 0
        enrolments = Enrollment.objects.bulk_create(
            Enrollment(
                learner=learner,
                family_id=learner.family_id,
                offering=offering,
                status=EnrollmentStatus.CONFIRMED,
                conditions=conditions,
                conditions_accepted_at=now,
                fee_rials=fee,
                paid_rials=fee,
                paid_at=now,
                confirmed_at=now,
            )
            for learner in chosen
        )
        if fee:
            for enrolment in enrolments:
                _record_demo_payment(enrolment, fee)
        # A seat is taken the way registration takes it: F() in the same transaction.
        Offering.objects.filter(pk=offering.pk).update(seats_taken=F("seats_taken") + len(chosen))
        for learner in chosen:
            count[learner.pk] += 1
            busy[learner.pk] += wanted
        created += len(chosen)
    return created


def _record_demo_payment(enrolment: Enrollment, fee: int) -> None:
    """The money of a demo enrolment, as the real flow moves it: paid in through the bank
    (a verified sandbox payment, so that finance's reconciliation finds every posting
    backed) into the family's wallet, then from the wallet to the course's revenue."""
    family = enrolment.learner.family
    wallet = family_wallet(family)
    now = timezone.now()
    attempt = PaymentAttempt.objects.create(
        family=family,
        amount=fee,
        purpose=PaymentPurpose.ENROLLMENT,
        enrollment=enrolment,
        gateway="sandbox",
        status=PaymentStatus.VERIFIED,
        ref_id=f"demo-{enrolment.pk}",
        expires_at=now,
        verified_at=now,
    )
    ledger_post(
        reference=f"payment:{attempt.pk}",
        kind=TransactionKind.PAYMENT_RECEIVED,
        entries=[(system_account(AccountKind.GATEWAY_CLEARING), -fee), (wallet, fee)],
    )
    ledger_post(
        reference=f"enrollment:{enrolment.pk}:paid",
        kind=TransactionKind.ENROLLMENT_PAYMENT,
        entries=[(wallet, -fee), (system_account(AccountKind.COURSE_REVENUE), fee)],
    )


def _user(username: str) -> User:
    return User.objects.get(username=username)


# Subjects families search by in Persian or Latin (issue 9, item 4): (tag, other
# spellings, titles of the demo courses that carry it).
TAGS: list[tuple[str, str, list[str]]] = [
    ("پایتون", "Python", ["برنامه‌نویسی پایتون برای نوجوانان"]),
    (
        "اسکرچ",
        "Scratch, ScratchJr",
        ["برنامه‌نویسی با اسکرچ", "ساخت بازی با اسکرچ جونیور"],
    ),
    (
        "برنامه‌نویسی",
        "Programming, Coding, کدنویسی",
        [
            "برنامه‌نویسی با اسکرچ",
            "برنامه‌نویسی پایتون برای نوجوانان",
            "ساخت بازی با اسکرچ جونیور",
        ],
    ),
    ("آردوینو", "Arduino", ["رباتیک مقدماتی با آردوینو"]),
    ("لگو", "Lego", ["رباتیک با لگو برای کودکان"]),
    (
        "رباتیک",
        "Robotics, ربات, Robot",
        [
            "رباتیک مقدماتی با آردوینو",
            "رباتیک با لگو برای کودکان",
            "ساخت ربات مسیریاب",
        ],
    ),
    (
        "نجوم",
        "Astronomy, ستاره‌شناسی",
        [
            "نجوم برای کودکان: سفر به منظومه شمسی",
            "رصد آسمان شب و شناخت صورت‌های فلکی",
            "نجوم و اخترفیزیک مقدماتی",
        ],
    ),
    ("سنتور", "Santur", ["آموزش مقدماتی سنتور"]),
    ("ارف", "Orff", ["آشنایی با موسیقی و ریتم (ارف)"]),
]


def seed_tags() -> None:
    """The demo's tags on its courses; running it again changes nothing."""
    for name, synonyms, titles in TAGS:
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"synonyms": synonyms})
        tag.courses.add(*Course.objects.filter(title__in=titles))


@transaction.atomic
def seed_catalog_demo(*, today: dt.date | None = None) -> dict[str, int]:
    """Creates the catalog demo (run after `kargah.accounts.demo.seed_demo`); running it
    again changes nothing. Returns counts for the command to print."""
    today = today or timezone.localdate()
    now = timezone.now()
    jalali_year = jdatetime.date.fromgregorian(date=today).year
    for year in (jalali_year, jalali_year + 1):
        services.holiday_sync_official(jalali_year=year)
    staff = _user(VIRTUAL_STAFF)
    assert staff.center is not None
    virtual = staff.center
    isfahan_instructor = _user(ISFAHAN_INSTRUCTOR)
    assert isfahan_instructor.center is not None
    centers = {"current": virtual, "spring": virtual, "isfahan": isfahan_instructor.center}
    admin = _user(ADMIN)
    actors = {"current": staff, "spring": staff, "isfahan": admin}
    made = _offerings(
        today=today,
        centers=centers,
        actors=actors,
        categories=seed_categories(),
        groups=seed_age_groups(),
        instructors=_instructors(virtual),
    )
    seed_tags()
    _families(today)
    _enrol(made, today=today, now=now)
    _teach_the_past(now=now)
    return catalog_counts()


def _teach_the_past(*, now: dt.datetime) -> None:
    """The demo's classes that began before it was seeded were taught: their instructors were
    in the room a few minutes after each start. Without this, the lifecycle job's first run
    would cancel every past session as the instructor's absence (and text the families);
    with it, the sessions are held and the classes run."""
    past = Session.objects.filter(starts_at__lt=now, status=SessionStatus.SCHEDULED)
    for session in past.exclude(offering__status=OfferingStatus.DRAFT):
        session_mark_taught(session=session, at=session.starts_at + dt.timedelta(minutes=3))


def catalog_counts() -> dict[str, int]:
    offerings = Offering.objects.all()
    return {
        "categories": Category.objects.count(),
        "age_groups": AgeGroup.objects.count(),
        "terms": Term.objects.count(),
        "courses": Course.objects.count(),
        "offerings": offerings.count(),
        "published": offerings.filter(status=OfferingStatus.PUBLISHED).count(),
        "sessions": Session.objects.count(),
        "enrollments": Enrollment.objects.filter(status__in=ACTIVE_STATUSES).count(),
        "learners": Learner.objects.count(),
        "holidays": Holiday.objects.count(),
        "instructors": User.objects.filter(role=Role.INSTRUCTOR).count(),
    }
