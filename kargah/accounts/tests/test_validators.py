"""Iranian identifiers: the national-code checksum and mobile numbers in every way they are
typed (rule 11: Persian, Arabic and Latin digits are all accepted).

Messages are translated by others at the same time, so refusals are asserted on their
stable `code`, never on their text.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kargah.accounts.demo import national_code_for
from kargah.accounts.validators import (
    is_valid_national_code,
    mask_national_code,
    normalize_mobile,
    normalize_national_code,
)
from kargah.core.persian import mobile_for_display

# A real-looking valid code, worked by hand: 0·10+4·9+9·8+9·7+3·6+7·5+0·4+8·3+9·2 = 266,
# 266 mod 11 = 2, so the check digit is 11 - 2 = 9.
HAND_CHECKED_CODE = "0499370899"

DEMO_CODES = [national_code_for(seed) for seed in range(1, 41)]


def _error_code(exc_info: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return exc_info.value.code


class TestNationalCode:
    @pytest.mark.parametrize("code", [HAND_CHECKED_CODE, *DEMO_CODES])
    def test_checksum_valid_codes_are_accepted(self, code):
        assert is_valid_national_code(code)
        assert normalize_national_code(code) == code

    def test_the_demo_codes_cover_both_branches_of_the_check_digit(self):
        # remainder < 2 → check digit is the remainder; otherwise 11 - remainder.
        remainders = {sum(int(code[i]) * (10 - i) for i in range(9)) % 11 for code in DEMO_CODES}
        assert remainders & {0, 1}
        assert remainders - {0, 1}

    @pytest.mark.parametrize("code", [HAND_CHECKED_CODE, *DEMO_CODES])
    def test_any_other_check_digit_is_refused(self, code):
        for wrong in "0123456789".replace(code[-1], ""):
            bad = code[:-1] + wrong
            assert not is_valid_national_code(bad)
            with pytest.raises(ValidationError) as exc_info:
                normalize_national_code(bad)
            assert _error_code(exc_info) == "checksum"

    @pytest.mark.parametrize("digit", "0123456789")
    def test_codes_of_one_repeated_digit_are_refused(self, digit):
        code = digit * 10
        # Every one of them passes the arithmetic (d·54 ≡ -d mod 11, check digit d): only
        # the explicit rule keeps 1111111111 and friends out.
        weighted = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
        assert int(code[9]) == (weighted if weighted < 2 else 11 - weighted)
        assert not is_valid_national_code(code)
        with pytest.raises(ValidationError) as exc_info:
            normalize_national_code(code)
        assert _error_code(exc_info) == "checksum"

    @pytest.mark.parametrize(
        "typed",
        [
            "۰۴۹۹۳۷۰۸۹۹",  # Persian digits
            "٠٤٩٩٣٧٠٨٩٩",  # Arabic-Indic digits
            "۰۴۹۹370899",  # mixed
            " 0499370899 ",
            "049-937089-9",
            "049 937 0899",
        ],
    )
    def test_persian_and_arabic_digits_spaces_and_dashes_are_accepted(self, typed):
        assert normalize_national_code(typed) == HAND_CHECKED_CODE

    @pytest.mark.parametrize(
        ("typed", "padded"),
        [
            ("499370899", "0499370899"),  # nine digits, one zero dropped
            ("12345679", "0012345679"),  # eight digits, two zeros dropped
            ("۱۲۳۴۵۶۷۹", "0012345679"),
        ],
    )
    def test_codes_written_without_leading_zeros_are_padded(self, typed, padded):
        assert normalize_national_code(typed) == padded

    # Nine digits are padded to 0049937089 (the real code lost its last digit): the check
    # digit no longer fits.
    @pytest.mark.parametrize("typed", ["12345678", "049937089", "۰۴۹۹۳۷۰۸۹"])
    def test_padding_does_not_rescue_a_wrong_check_digit(self, typed):
        with pytest.raises(ValidationError) as exc_info:
            normalize_national_code(typed)
        assert _error_code(exc_info) == "checksum"

    @pytest.mark.parametrize(
        "typed", ["", "   ", "1234567", "04993708990", "abcdefghij", "04993708x9", None]
    )
    def test_wrong_length_or_not_digits_is_refused(self, typed):
        with pytest.raises(ValidationError) as exc_info:
            normalize_national_code(typed)
        assert _error_code(exc_info) == "invalid"

    @pytest.mark.parametrize(
        "code", ["049937089", "04993708999", "abc", "049937089x", "٠٤٩٩٣٧٠٨٩٩"]
    )
    def test_is_valid_national_code_wants_exactly_ten_digits(self, code):
        assert not is_valid_national_code(code)

    @pytest.mark.parametrize(
        "typed",
        [
            "०४९९३७०८९९",  # Devanagari digits
            "０４９９３７０８９９",  # full-width digits
            "049937089²",  # a superscript two
        ],
    )
    def test_digits_of_other_scripts_are_refused_not_stored(self, typed):
        # str.isdigit() accepts all of these: stored as typed, one child would have two
        # spellings of one code (past the unique constraint), and int("²") would be a 500.
        with pytest.raises(ValidationError) as exc_info:
            normalize_national_code(typed)
        assert _error_code(exc_info) == "invalid"

    def test_mask_shows_only_the_last_three_digits(self):
        assert mask_national_code(HAND_CHECKED_CODE) == "*******899"
        assert HAND_CHECKED_CODE[:7] not in mask_national_code(HAND_CHECKED_CODE)
        assert mask_national_code("") == ""


class TestMobile:
    @pytest.mark.parametrize(
        "typed",
        [
            "09121234567",
            "۰۹۱۲۱۲۳۴۵۶۷",  # Persian digits
            "٠٩١٢١٢٣٤٥٦٧",  # Arabic-Indic digits
            "۰۹۱۲-۱۲۳-۴۵۶۷",
            "0912 123 4567",
            "(0912) 123 4567",
            "+989121234567",
            "+98 912 123 4567",
            "+۹۸۹۱۲۱۲۳۴۵۶۷",
            "00989121234567",
            "989121234567",
            "9121234567",
            " 09121234567 ",
        ],
    )
    def test_every_usual_spelling_becomes_e164(self, typed):
        assert normalize_mobile(typed) == "+989121234567"

    @pytest.mark.parametrize("typed", ["09351234567", "09901234567", "09011234567"])
    def test_numbers_of_every_operator_are_mobiles(self, typed):
        assert normalize_mobile(typed) == "+98" + typed[1:]

    @pytest.mark.parametrize("typed", ["02188776655", "+982188776655", "03132123456"])
    def test_landlines_are_refused(self, typed):
        with pytest.raises(ValidationError) as exc_info:
            normalize_mobile(typed)
        assert _error_code(exc_info) == "landline"

    @pytest.mark.parametrize("typed", ["+14155552671", "0014155552671", "+4915112345678"])
    def test_foreign_numbers_are_refused(self, typed):
        with pytest.raises(ValidationError) as exc_info:
            normalize_mobile(typed)
        assert _error_code(exc_info) == "foreign"

    @pytest.mark.parametrize(
        "typed",
        [
            "abc",
            "x",
            "0912123",  # too short
            "091212345678",  # too long
            "+98912123456",
            "0989121234567",
            "09121234567abc",
            "09121234567;DROP",
        ],
    )
    def test_garbage_is_refused(self, typed):
        with pytest.raises(ValidationError) as exc_info:
            normalize_mobile(typed)
        assert _error_code(exc_info) == "invalid"

    @pytest.mark.parametrize(
        "typed", ["0912ABCDEFG", "0912-HELLO-12", "salam 09121234567", "09121234567 ext 12"]
    )
    def test_letters_are_not_read_as_a_keypad(self, typed):
        # phonenumbers alone would turn 0912ABCDEFG into +989122223334, drop leading text
        # and extensions: a different, valid number, or one the guardian never typed.
        with pytest.raises(ValidationError) as exc_info:
            normalize_mobile(typed)
        assert _error_code(exc_info) == "invalid"

    @pytest.mark.parametrize("typed", ["", "   ", None])
    def test_nothing_typed_is_required(self, typed):
        with pytest.raises(ValidationError) as exc_info:
            normalize_mobile(typed)
        assert _error_code(exc_info) == "required"

    def test_display_form_is_the_way_iranians_write_it(self):
        assert mobile_for_display("+989121234567") == "09121234567"
        assert mobile_for_display(normalize_mobile("۰۹۱۲۱۲۳۴۵۶۷")) == "09121234567"
