"""The words LinkedIn's SSI page uses, in the languages it is most often read in.

They only help: which number belongs to which pillar, and which "Top N%" is
the industry's, follow first from the page's fixed structure (see
``pillars`` and ``groups``). A word missing here makes a page in that language
fall back on the structure alone, never read a figure wrongly.

Patterns are matched case-insensitively on text normalised with NFKC, so
full-width characters and ligatures compare as their plain forms. The wording
comes from LinkedIn's own pages and their quotes in public write-ups (en, pt,
fr, de, ru captured from the page; es, it, nl, pl, tr, ja, zh after LinkedIn's
product vocabulary in those languages).
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.UNICODE


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS)


PILLARS = {
    "brand": _any(
        r"establish\s+your\s+professional\s+brand",                          # en
        r"estabele(?:cer|ça)\s+(?:a\s+)?(?:sua\s+)?marca\s+profissional",      # pt
        r"(?:establece|establecer|crear|crea)\s+(?:tu|su|una)\s+marca\s+profesional",  # es
        r"(?:établi(?:r|ssez)|construi(?:re|sez)|cré(?:er|ez)|impose[rz])\s+votre\s+marque\s+professionnelle",  # fr
        r"professionelle\s+marke",                                            # de
        r"(?:stabilire|stabilisci|creare|crea|costruire|costruisci)\s+(?:il\s+tuo\s+|un\s+)?brand\s+professionale",  # it
        r"professionele\s+merk|professioneel\s+merk",                         # nl
        r"профессиональн\w*\s+бренд",                                         # ru
        r"mark[ęaię]\s+profesjonaln",                                         # pl
        r"profesyonel\s+marka",                                               # tr
        r"プロフェッショナル\s*ブランド",                                           # ja
        r"专业品牌|專業品牌",                                                     # zh
    ),
    "people": _any(
        r"find\s+the\s+right\s+(?:people|person)",
        r"(?:localiz|encontr)\w*\s+as\s+pessoas\s+certas",
        r"encontr\w*\s+a\s+las\s+personas\s+(?:adecuadas|correctas|indicadas)",
        r"trouve[rz]\s+les\s+bonnes\s+personnes",
        r"die\s+richtigen\s+personen",
        r"trova\w*\s+le\s+persone\s+giuste",
        r"de\s+juiste\s+(?:mensen|personen)",
        r"нужн\w*\s+люд",
        r"(?:właściw|odpowiedni)\w*\s+(?:osob|ludzi)",
        r"doğru\s+kişiler",
        r"適切な人",
        r"找到合适的人|找到合適的人",
    ),
    "insights": _any(
        r"engage\s+with\s+insights?",
        r"interagi\w*\s+(?:oferecendo|com|utilizando)\s+(?:insights|dados|informaç)",
        r"interact\w*\s+(?:con|ofreciendo)\s+(?:información|ideas|insights|conocimientos)",
        r"(?:échange[rz]|communique[rz])\s+(?:des|avec\s+les\s+bonnes)\s+info",
        r"durch\s+einblicke|mit\s+insights",
        r"interagi\w*\s+(?:con|offrendo)\s+(?:informazioni|insight|approfondimenti)",
        r"(?:interactie|betrokkenheid|communiceren)\s+(?:met|via|door)\s+(?:inzichten|inzicht)|inzichten\s+delen",
        r"взаимодейств\w*\s+с\s+(?:контент|информац)",
        r"angażuj\w*\s+(?:treści|spostrzeż)|spostrzeżeni",
        r"içgörü",
        r"インサイト",
        r"洞察|见解|見解",
    ),
    "relationships": _any(
        r"build\s+(?:strong\s+)?relationships?",
        r"(?:cri|cultiv|constru|desenvolv)\w*\s+(?:de\s+)?relacionamentos",
        r"(?:establec|cre|constru|entabl|forj)\w*\s+relaciones",
        r"(?:établi|développ|constru|noue)\w*\s+(?:des\s+)?relations",
        r"beziehungen\s+(?:aufbauen|pflegen)",
        r"(?:costrui|crea|instaura)\w*\s+relazioni",
        r"relaties\s+(?:opbouwen|aangaan|onderhouden)",
        r"(?:развива|выстраива|налажива|постро|стро)\w*\s+отношени",
        r"(?:buduj|budowa)\w*\s+relacj",
        r"ilişki\w*\s+kur",
        r"関係を?構築",
        r"建立关系|建立關係",
    ),
}

# A number just after one of these (on the next lines) is the total, when the
# page does not print "N out of 100" beside it.
TOTAL = _any(
    r"social\s+selling\s+index",
    r"índice\s+de\s+(?:social\s+selling|vendas?\s+sociais?|venta\s+social)",
    r"индекс\s+социальн\w*\s+продаж",
)

INDUSTRY = _any(
    r"\bindustr(?:y|ies)\b", r"\bsetor\b", r"\bsector\b", r"indústria", r"\bindustria\b", r"\bsecteur\b",
    r"\bindustrie\b", r"\bbranche\b", r"\bsettore\b", r"отрасл", r"branż", r"sektör", r"業界", r"行业|行業|產業",
)
NETWORK = _any(
    r"\bnetwork\b", r"\brede\b", r"\bred\b", r"réseau", r"netzwerk", r"\brete\b", r"\bnetwerk\b",
    r"\bсет[ьиейя]\b", r"\bsieci\b|\bsieć\b", r"\bağ(?:ınız|ında)?\b", r"ネットワーク", r"人脉|人脈|网络|網絡",
)
AVERAGE = _any(
    r"\baverage\b", r"\bm[ée]di[oa]\b", r"\bpromedio\b", r"\bmoyen(?:ne)?\b", r"durchschnitt",
    r"\bmedia\b", r"gemiddeld", r"средн", r"ortalama", r"średni", r"平均",
)
