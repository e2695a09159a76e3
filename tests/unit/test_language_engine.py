"""langdetect-rs must stay a drop-in for langdetect: identical probabilities, text by text.

If a version bump breaks the identity this fails, and the product's language tags would
silently change; pin both together.
"""

from __future__ import annotations

import pytest

from consumers.pipeline.language import LanguageTagger, langdetect_engine

TEXTS = [
    "The committee will meet again on Thursday to review the budget proposal.",
    "Der Ausschuss wird am Donnerstag erneut zusammentreten, um den Haushalt zu prüfen.",
    "Le comité se réunira de nouveau jeudi pour examiner la proposition de budget.",
    "El comité volverá a reunirse el jueves para revisar la propuesta de presupuesto.",
    "Il comitato si riunirà di nuovo giovedì per esaminare la proposta di bilancio.",
    "Komisja zbierze się ponownie w czwartek, aby przeanalizować projekt budżetu.",
    "Комитет снова соберётся в четверг, чтобы рассмотреть проект бюджета.",
    "Η επιτροπή θα συνεδριάσει ξανά την Πέμπτη για να εξετάσει τον προϋπολογισμό.",
    "委员会将于星期四再次开会，审议预算提案。",
    "委員會將於星期四再次開會，審議預算提案。",
    "委員会は木曜日に再び会合を開き、予算案を検討する。",
    "위원회는 목요일에 다시 모여 예산안을 검토할 예정이다.",
    "ستجتمع اللجنة مرة أخرى يوم الخميس لمراجعة مقترح الميزانية.",
    "समिति बजट प्रस्ताव की समीक्षा के लिए गुरुवार को फिर से बैठक करेगी।",
    "Komite, bütçe teklifini incelemek için perşembe günü yeniden toplanacak.",
    "Kamati itakutana tena Alhamisi kupitia pendekezo la bajeti.",
    "Kwamitin zai sake haduwa ranar Alhamis don duba kasafin kudi.",
    "12345 67890 !!! ???",
    "ok",
]


@pytest.mark.skipif(langdetect_engine().__name__ != "langdetect_rs", reason="langdetect-rs not installed")
@pytest.mark.parametrize("text", TEXTS)
def test_rust_port_matches_langdetect_exactly(text: str) -> None:
    fast = LanguageTagger()
    reference = LanguageTagger(engine_name="langdetect")
    assert fast.langdetect(text) == reference.langdetect(text)
