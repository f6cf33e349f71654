"""Loads Iran's 31 provinces and the Kanoon's centers (kargah.accounts.reference)."""

from django.db import migrations

# The data is copied here, not imported: a migration must not change when the module does.
PROVINCES = (
    ("east-azerbaijan", "آذربایجان شرقی"),
    ("west-azerbaijan", "آذربایجان غربی"),
    ("ardabil", "اردبیل"),
    ("isfahan", "اصفهان"),
    ("alborz", "البرز"),
    ("ilam", "ایلام"),
    ("bushehr", "بوشهر"),
    ("tehran", "تهران"),
    ("chaharmahal-bakhtiari", "چهارمحال و بختیاری"),
    ("south-khorasan", "خراسان جنوبی"),
    ("khorasan-razavi", "خراسان رضوی"),
    ("north-khorasan", "خراسان شمالی"),
    ("khuzestan", "خوزستان"),
    ("zanjan", "زنجان"),
    ("semnan", "سمنان"),
    ("sistan-baluchestan", "سیستان و بلوچستان"),
    ("fars", "فارس"),
    ("qazvin", "قزوین"),
    ("qom", "قم"),
    ("kurdistan", "کردستان"),
    ("kerman", "کرمان"),
    ("kermanshah", "کرمانشاه"),
    ("kohgiluyeh-boyer-ahmad", "کهگیلویه و بویراحمد"),
    ("golestan", "گلستان"),
    ("gilan", "گیلان"),
    ("lorestan", "لرستان"),
    ("mazandaran", "مازندران"),
    ("markazi", "مرکزی"),
    ("hormozgan", "هرمزگان"),
    ("hamadan", "همدان"),
    ("yazd", "یزد"),
)
CENTERS = (
    ("مرکز مجازی کانون", None, True),
    ("مرکز فرهنگی‌هنری شماره ۱ اصفهان", "isfahan", False),
    ("مرکز فرهنگی‌هنری شماره ۲ شیراز", "fars", False),
    ("مرکز فرهنگی‌هنری شماره ۱ مشهد", "khorasan-razavi", False),
)


def load(apps, schema_editor):
    province_model = apps.get_model("accounts", "Province")
    center_model = apps.get_model("accounts", "Center")
    provinces = {}
    for code, name in PROVINCES:
        # By code: a database seeded by the old demo keeps its rows (and their ids).
        provinces[code], _ = province_model.objects.update_or_create(
            code=code, defaults={"name": name}
        )
    for name, province_code, virtual in CENTERS:
        center_model.objects.get_or_create(
            name=name,
            defaults={"province": provinces.get(province_code), "is_virtual": virtual},
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_learner_links")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
