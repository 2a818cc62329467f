"""Folding: what the featurizer, the triggers and the actions compare text by."""

from bot.text import fold


def test_fold_drops_latin_diacritics_and_case_but_keeps_other_scripts_marks() -> None:
    assert fold("Narudžba JOŠ nije STIGLA") == "narudzba jos nije stigla"
    assert fold("Đakovo, Łódź, ılık") == "dakovo, lodz, ilik"
    assert fold("Ещё") == "еще"
    tamil = "நான் ஒரு மனிதருடன் பேச வேண்டும்"
    assert fold(tamil) == tamil  # vowel signs and virama carry meaning: kept
