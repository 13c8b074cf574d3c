"""Crisis-event vocabulary, English and French: the words of the storms a comms team must hear first.

Accidents, explosions, fires, casualties, evacuations, recalls, breaches and leaks, outages,
strikes, lawsuits, arrests, boycotts, and disasters hitting a site. Posts about such events often
read neutral to VADER ("Large explosion at fertilizer plant near Waco, Texas": compound 0.0), so
sentiment alone cannot tell them from chatter. The detector (models/detectors/seasonal.py) uses
this list to raise the severity of a not-positive surge and to name the words in the page; it
never fires on the words alone.

Terms are matched as the window's terms (models/text.py: lowercased, French elisions removed,
accents kept), whole words only: "fire" does not match "firestorm". Ambiguous everyday words
("feu", "mort", "hurt", "storm") are left out.
"""

from __future__ import annotations

_BY_CATEGORY: dict[str, str] = {
    "accident": "accident accidents crash crashed collision derailed derailment accidenté accidentée collision "
    "déraillement",
    "explosion": "explosion explosions exploded explode blast blasts détonation",
    "fire": "fire fires blaze ablaze burning incendie incendies brûle",
    "casualties": "dead deaths died killed casualties fatalities injured injuries wounded victims morts décès "
    "tué tués tuée blessé blessés blessée blessées victimes",
    "evacuation": "evacuation evacuations evacuate evacuated évacuation évacuations évacué évacués évacuer",
    "recall": "recall recalls recalled rappel rappels rappelé rappelés",
    "breach": "breach breached hack hacked hackers hacking leak leaked leaks ransomware cyberattack piratage "
    "piraté pirates fuite fuites cyberattaque rançongiciel",
    "outage": "outage outages blackout panne pannes",
    "strike": "strike strikes striking walkout grève grèves grévistes",
    "lawsuit": "lawsuit lawsuits sued sues procès plainte plaintes poursuite poursuites",
    "arrest": "arrest arrests arrested arrestation arrestations interpellé interpellés",
    "boycott": "boycott boycotts boycotting boycotter",
    "disaster": "flood floods flooding tornado hurricane earthquake wildfire inondation inondations séisme "
    "ouragan tempête",
}
CRISIS_TERMS: dict[str, str] = {term: category for category, words in _BY_CATEGORY.items() for term in words.split()}
TERMS = frozenset(CRISIS_TERMS)


def crisis_terms(term_counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """The crisis-event terms among a window's term counts, most frequent first (ties by term)."""
    found = term_counts.keys() & TERMS
    if not found:
        return ()
    return tuple(sorted(((t, term_counts[t]) for t in found), key=lambda kv: (-kv[1], kv[0])))
