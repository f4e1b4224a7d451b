"""What the stand-in web says: a small corpus on heat pumps in cold climates, with planted facts.

Sites are named here by key; the stand-in web (tests/fakes/web.py) gives each its own loopback host.
Every organisation, study, survey and dataset below is invented, and so are their figures.
Each page's core is written out below; the rest of its text, which makes pages as long and as varied as
real ones, is in tests/fakes/web_pages.py.

Planted facts come in two kinds:
- direct (hops = 0): on pages that the obvious first searches about the topic return;
- follow-up (hops >= 1): the result of a study, organisation or dataset that a page names without
  describing its result (the *lead*). The page holding the result is *gated*: the search API returns it
  only for a query that names the lead (`gates`), so only a follow-up search can reach it. One chain has a
  second hop: the Kallax report names a panel whose result is on a page of its own.

Two conventions keep the chains followable by a careful reader (and by the extractive fake model):
a lead sentence names the lead but carries none of RESULT_CUES; the fact sentence names the lead and
carries at least one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from tests.fakes.web_pages import MORE

# Words that say a result is being reported. Lead sentences avoid them; fact sentences use one.
RESULT_CUES = (
    "measured",
    "found",
    "finds",
    "showed",
    "shows",
    "averaged",
    "average",
    "recorded",
    "concluded",
    "concludes",
    "estimated",
    "estimates",
    "percent",
    "per cent",
    "%",
    "median",
    "consumed",
    "paid",
)

PageKind = Literal["html", "pdf", "text"]


@dataclass(frozen=True)
class Site:
    key: str
    name: str  # shown in the boilerplate only, never in an article's main text
    country: str
    robots: str | None  # the body of /robots.txt; None answers 404 (everything allowed)
    nav: tuple[str, ...] = ("Home", "News", "Guides", "About us", "Contact")


@dataclass(frozen=True)
class Article:
    """A document of the corpus. `paragraphs` are its main text; the page around them is boilerplate."""

    site: str
    path: str
    title: str
    paragraphs: tuple[str, ...]
    published_days_ago: int
    updated_days_ago: int | None = None
    kind: PageKind = "html"
    language: str = "en"
    byline: str = ""
    gates: tuple[str, ...] = ()  # the search returns this page only for a query containing one of these

    @property
    def key(self) -> str:
        return f"{self.site}{self.path}"

    @property
    def text(self) -> str:
        """The main text as a reader should extract it: title, then paragraphs, blank lines between."""
        return "\n\n".join((self.title, *self.paragraphs))


@dataclass(frozen=True)
class Fact:
    id: str
    sentence: str  # verbatim in the page's main text
    page: str  # Article.key
    key_phrase: str  # a part of the sentence whose presence in an answer counts as recovering the fact
    hops: int = 0  # follow-up searches needed to reach the page (0: the first round can)
    lead: str | None = None  # the name a query must mention to reach the page
    lead_page: str | None = None  # Article.key of the page that names the lead without its result
    lead_sentence: str | None = None
    query_terms: tuple[str, ...] = field(default=())


SITES = (
    Site(
        "association",
        "Nordic Heat Pump Association",
        "SE",
        "User-agent: *\nDisallow: /drafts/\n\nUser-agent: GPTBot\nDisallow: /\n",
    ),
    Site("lab", "Northern Building Physics", "SE", "User-agent: *\nDisallow:\n", ("Home", "Research", "People")),
    Site("stats", "Open Energy Numbers", "FI", None, ("Home", "Datasets", "Surveys", "API")),
    Site(
        "forum",
        "coldhomes community",
        "GB",
        "# Members' threads are private.\nUser-agent: *\nDisallow: /members/\nCrawl-delay: 1\n",
        ("Threads", "New post", "Members", "Rules"),
    ),
    Site("grid", "Arctic Grid Operators Forum", "NO", "User-agent: *\nAllow: /\n", ("Home", "Publications")),
    Site("tools", "HeatCalc", "US", None, ("Calculators", "Directory", "Downloads")),
)

KALLAX_LEAD = (
    "The most ambitious monitoring campaign so far is the Kallax Field Trial, which fitted meters to heat pumps "
    "in 64 detached homes near Luleå and followed them through two cold winters."
)
KALLAX_FACT = (
    "Over both winters, the Kallax Field Trial measured an average seasonal coefficient of performance of 2.7, "
    "including 19 days when the outdoor temperature stayed below minus 25 degrees Celsius."
)
BODEN_LEAD = (
    "Noise from the outdoor units during defrost was examined separately by the Boden Acoustics Panel, which "
    "visited 12 of the Kallax Field Trial homes in the second winter."
)
BODEN_FACT = (
    "The Boden Acoustics Panel found that outdoor heat pump units averaged 38 decibels at 5 metres during "
    "defrost, below the 40 decibel night-time limit, yet 3 of the 12 households visited reported disturbed sleep."
)
GRID_LEAD = (
    "The Arctic Grid Operators Forum, which brings together the transmission operators of Norway, Sweden and "
    "Finland, has modelled what a complete switch from oil boilers and direct electric heating to heat pumps "
    "would mean for the winter peak."
)
GRID_FACT = (
    "The Arctic Grid Operators Forum found that a complete switch to heat pumps would raise Norway's winter "
    "peak electricity demand by 11 percent, far less than the 30 percent often quoted in public debate."
)
DEFROST_LEAD = (
    "Defrost behaviour of heat pumps in damp, freezing weather was logged minute by minute for three winters "
    "in the open HP-COLD-22 dataset, which anyone can download."
)
DEFROST_FACT = (
    "In the HP-COLD-22 dataset, defrost cycles consumed 8 percent of the heat pumps' winter electricity on "
    "average, rising to 14 percent in wet snow near 0 degrees Celsius."
)
SURVEY_LEAD = (
    "The Hammerfest Retrofit Survey asked several hundred households in Finnmark about the price of their "
    "heat pump installations and whether they would choose the same again."
)
SURVEY_FACT = (
    "The Hammerfest Retrofit Survey found a median installed price of 14,500 euros for an air-to-water heat "
    "pump, and 71 percent of households said they would choose one again."
)
MINUS25 = (
    "Modern cold-climate air-source heat pumps keep delivering heat down to minus 25 degrees Celsius, although "
    "their efficiency falls as the outdoor air gets colder."
)
COP2 = (
    "At minus 15 degrees Celsius, a well-sized cold-climate unit still reaches a coefficient of performance of "
    "about 2, delivering two units of heat for each unit of electricity."
)
SALES = (
    "Heat pump sales in the five Nordic countries reached 412,000 units in 2023, and air-to-air models made up "
    "more than half of them."
)
UNDERSIZING = (
    "Installers agree that the most common limitation is undersizing: a unit chosen for average winter weather "
    "runs out of capacity on the coldest nights, and backup resistance heating takes over."
)
GROUND = (
    "Ground-source heat pumps avoid the cold-air penalty because the soil two metres down stays between 4 and 7 "
    "degrees Celsius through a northern winter."
)

_ARTICLES = (
    Article(
        "association",
        "/guides/cold-climate-heat-pumps",
        "Heat pumps in cold climates: a practical guide",
        (
            "Heat pumps move heat rather than generating it, which is why they can deliver several units of heat "
            "for each unit of electricity they use. The question every household in the north asks is how well "
            "that works when the air outside is far below freezing.",
            MINUS25 + " The drop is gradual rather than sudden, and manufacturers now publish capacity tables "
            "for outdoor temperatures well below zero.",
            "The main limitations in cold climates are capacity on the coldest nights, the energy spent on "
            "defrosting the outdoor coil, and the risk of choosing a unit that is too small for the house.",
            "Costs depend on the type of system: air-to-air units are the cheapest to install, air-to-water "
            "systems replace a boiler and cost more, and ground-source systems cost the most but run most "
            "efficiently in deep cold.",
            "Adoption has grown fastest where electricity is cheap and winters are long, which is why the "
            "Nordic countries have more heat pumps per household than anywhere else in Europe.",
            "Before buying, ask for a heat loss calculation for your home, and check the capacity of the unit at "
            "the lowest temperature your area sees in a typical winter.",
        ),
        published_days_ago=900,
        updated_days_ago=120,
        byline="By Ingrid Solberg, technical editor",
    ),
    Article(
        "association",
        "/articles/field-data-far-north",
        "What field data says about heat pumps in the far north",
        (
            "Laboratory ratings tell only part of the story. How heat pumps cope with cold climates is best "
            "judged from homes where they have been measured through real winters.",
            KALLAX_LEAD + " Its final report appeared in the spring of 2024.",
            "Smaller campaigns in Finland and northern Norway point the same way: heat pumps keep homes warm in "
            "cold weather, but the efficiency they reach depends heavily on installation quality and sizing.",
            "Monitoring also matters for the grid and for household budgets, because the coldest days are when "
            "both the heat demand and the electricity price are at their highest.",
            "Anyone planning a heat pump in a cold climate should look for performance data from homes like "
            "their own rather than for the best figure in a brochure.",
        ),
        published_days_ago=240,
        byline="By Mats Lindqvist",
    ),
    Article(
        "association",
        "/news/winter-grid-heat-pumps",
        "Will heat pumps break the winter grid?",
        (
            "As more homes in cold climates switch to heat pumps, grid operators worry about the coldest winter "
            "mornings, when every heat pump in a region runs at full power at the same time.",
            GRID_LEAD,
            "Utilities point out that heat pumps replace direct electric heating in many Nordic homes, so part "
            "of the new load is not new at all. The risk lies in the few coldest hours of the year.",
            "Smart controls that preheat homes before the morning peak, and thermal storage in hot water tanks, "
            "are the measures most often discussed to limit the impact on the grid.",
        ),
        published_days_ago=3,
        byline="News desk",
    ),
    Article(
        "association",
        "/articles/how-heat-pumps-work",
        "How a heat pump works",
        (
            "A heat pump uses a refrigerant that evaporates at low temperature, absorbing heat from outdoor air, "
            "the ground or water, and a compressor that raises the refrigerant's temperature so the heat can be "
            "released indoors.",
            "The colder the source, the harder the compressor has to work, which is why efficiency depends on "
            "the temperature difference between outside and inside.",
            "The coefficient of performance, or COP, is the ratio of heat delivered to electricity used, and the "
            "seasonal figure averages it over a whole heating season.",
            "Air-to-air units blow warm air into rooms; air-to-water units heat radiators or underfloor pipes "
            "and often hot water as well.",
        ),
        published_days_ago=2000,
    ),
    Article(
        "association",
        "/articles/heat-pump-dryers",
        "Heat pump tumble dryers: are they worth it?",
        (
            "Heat pump tumble dryers recycle the warm air inside the drum instead of venting it, and use about "
            "half the electricity of a conventional condenser dryer.",
            "They take longer to dry a load and cost more to buy, so the savings depend on how often you use "
            "the dryer.",
            "Unlike the heat pumps that heat a home, a dryer works indoors, so the weather outside makes no "
            "difference to its efficiency.",
        ),
        published_days_ago=60,
    ),
    Article(
        "association",
        "/no/varmepumper-i-kulde",
        "Varmepumper i kaldt klima",
        (
            "Moderne luft-til-luft-varmepumper gir varme selv ved svært lave utetemperaturer, men virkningsgraden "
            "faller når det blir kaldere.",
            "Velg en varmepumpe som er testet for nordisk klima, og be om en varmetapsberegning for boligen.",
        ),
        published_days_ago=400,
        language="no",
    ),
    Article(
        "lab",
        "/explainers/efficiency-at-low-temperatures",
        "Heat pump efficiency at low temperatures",
        (
            "Efficiency is the first question about heat pumps in cold climates, and the honest answer is that "
            "it falls steadily as the outdoor temperature drops, without a cliff edge.",
            COP2,
            "At minus 25 degrees Celsius the same unit delivers less heat and needs more electricity for it, "
            "which is why sizing for the coldest days matters more than the rated efficiency.",
            "Variable-speed compressors, larger outdoor coils and vapour injection are the main design changes "
            "that let current models perform in climates that defeated older heat pumps.",
        ),
        published_days_ago=500,
        updated_days_ago=30,
    ),
    Article(
        "lab",
        "/explainers/ground-source",
        "Ground-source heat pumps in deep cold",
        (
            GROUND,
            "A borehole or a ground loop costs considerably more to install than an outdoor air unit, but the "
            "stable source temperature keeps efficiency high on the coldest days.",
            "In dense towns the space for ground loops is limited, and drilling permits add time and cost to a "
            "project.",
        ),
        published_days_ago=700,
    ),
    Article(
        "lab",
        "/reports/kallax-final-report.pdf",
        "Kallax Field Trial: final report",
        (
            "This report covers the monitoring of heat pumps in 64 detached homes near Luleå in northern Sweden "
            "over the winters of 2021-22 and 2022-23.",
            "Each home was fitted with heat meters on the heat pump output and electricity meters on the "
            "compressor, fans and backup heater, logged every ten minutes.",
            KALLAX_FACT,
            "Homes with a unit sized for the local design temperature needed the electric backup heater on "
            "fewer than five days a winter.",
            BODEN_LEAD,
            "The full measurement series are available from the authors on request.",
        ),
        published_days_ago=560,
        kind="pdf",
        gates=("kallax",),
    ),
    Article(
        "lab",
        "/notes/boden-acoustics-panel",
        "Heat pump noise in cold weather: panel note",
        (
            "Outdoor heat pump units are loudest during defrost, when the fan stops and restarts and the "
            "refrigerant flow reverses.",
            BODEN_FACT,
            "The panel recommends mounting outdoor units on vibration dampers and away from bedroom windows.",
        ),
        published_days_ago=420,
        gates=("boden acoustics",),
    ),
    Article(
        "grid",
        "/publications/winter-peak-outlook",
        "Winter peak outlook: heat pumps and the Nordic grid",
        (
            "This outlook models hourly electricity demand on the coldest winter days under a full transition "
            "from oil boilers and direct electric heating to heat pumps.",
            GRID_FACT,
            "Because most Norwegian homes already heat with electricity, heat pumps largely replace existing "
            "load rather than add to it.",
            "The outlook recommends demand response from smart thermostats as the cheapest way to shave the "
            "remaining peak.",
        ),
        published_days_ago=200,
        gates=("arctic grid operators forum",),
    ),
    Article(
        "stats",
        "/datasets/hp-cold-22",
        "HP-COLD-22: defrost cycles of heat pumps in cold, humid weather",
        (
            "HP-COLD-22 holds minute-by-minute records of outdoor temperature, humidity, compressor power and "
            "defrost state from 41 air-source heat pumps over three winters.",
            DEFROST_FACT,
            "The dataset is published under an open licence, with one file per heat pump and winter.",
        ),
        published_days_ago=330,
        updated_days_ago=90,
        gates=("hp cold 22",),
    ),
    Article(
        "stats",
        "/surveys/hammerfest-retrofit-survey.txt",
        "Hammerfest Retrofit Survey: summary of results",
        (
            "The survey covered households in Finnmark that replaced oil or direct electric heating with a heat "
            "pump between 2018 and 2023.",
            SURVEY_FACT,
            "Households that had a heat loss calculation before buying were the most satisfied with their "
            "heat pumps in the coldest weeks.",
        ),
        published_days_ago=150,
        kind="text",
        gates=("hammerfest",),
    ),
    Article(
        "stats",
        "/sales/nordic-heat-pump-sales.txt",
        "Nordic heat pump sales, 2023",
        (
            "Annual sales figures for heat pumps in Denmark, Finland, Iceland, Norway and Sweden, compiled from "
            "national trade bodies.",
            SALES + " Adoption is highest in Norway, where roughly two in three detached homes now have a heat pump.",
            "Sales fell slightly from the previous year as electricity prices eased and subsidies were reduced.",
        ),
        published_days_ago=280,
        kind="text",
    ),
    Article(
        "stats",
        "/notes/solar-arctic",
        "Solar panels above the Arctic Circle",
        (
            "Solar panels in the far north produce almost nothing in December and January, but long summer days "
            "make up for much of it over a year.",
            "Cold improves the efficiency of solar cells, and snow reflection can add output in spring.",
        ),
        published_days_ago=45,
    ),
    Article(
        "forum",
        "/threads/undersized-units",
        "Thread: heat pump can't keep up when it's really cold",
        (
            "Our air-to-air heat pump was fine all autumn but could not keep the house warm last week at minus "
            "28. Is it broken or just too small?",
            "Reply from an installer: " + UNDERSIZING,
            "Reply: same here. We added a second indoor unit and the cold-weather problem went away, though the "
            "electricity cost on the coldest days is still high.",
        ),
        published_days_ago=20,
        updated_days_ago=6,
    ),
    Article(
        "forum",
        "/threads/defrost-cold-air",
        "Thread: why does my heat pump blow cold air in freezing fog?",
        (
            "Every hour or so in freezing fog our heat pump stops heating, the outdoor unit steams, and for a few "
            "minutes the air from the indoor unit is cool. Is that normal in a cold climate?",
            "Reply: yes, that is a defrost cycle. Ice on the outdoor coil blocks the airflow, so the heat pump "
            "runs in reverse for a few minutes to melt it.",
            "Reply: " + DEFROST_LEAD,
            "Reply: defrost is worst around zero degrees in damp weather, not in the dry deep cold, which "
            "surprises most new owners. It is one of the real limitations of air-source heat pumps in cold, humid "
            "climates, and a risk if the condensate drain freezes.",
        ),
        published_days_ago=75,
    ),
    Article(
        "forum",
        "/threads/what-did-it-cost",
        "Thread: what did your cold-climate heat pump cost?",
        (
            "We are getting quotes for an air-to-water heat pump to replace our oil boiler in a very cold "
            "climate, and the prices vary a lot. What should we expect?",
            "Reply: " + SURVEY_LEAD,
            "Reply: get three quotes and ask each installer for a heat loss calculation; the cheapest quote is "
            "often for a unit that is too small.",
        ),
        published_days_ago=35,
    ),
    Article(
        "forum",
        "/members/noise-complaints",
        "Members only: neighbour complaints about heat pump noise",
        (
            "This thread is visible to members only. Several members describe complaints from neighbours about "
            "outdoor heat pump units running through cold winter nights.",
        ),
        published_days_ago=12,
    ),
)


def _lengthened(article: Article) -> Article:
    """An article at full length: its core paragraphs and the paragraphs of its own in web_pages.py, so that
    pages are as long and as varied as real ones (a search snippet is not the whole page, and passages must be
    chosen). An HTML article gets one after its opening paragraph, one in the middle and the rest at the end;
    a forum thread, a PDF or a plain text page gets them at the end (a thread's later replies)."""
    more = MORE.get(article.key, ())
    if not more:
        return article
    if article.kind != "html" or article.site == "forum":
        return replace(article, paragraphs=(*article.paragraphs, *more))
    first, *rest = article.paragraphs
    middle = len(rest) // 2
    return replace(article, paragraphs=(first, *more[:1], *rest[:middle], *more[1:2], *rest[middle:], *more[2:]))


ARTICLES = tuple(_lengthened(article) for article in _ARTICLES)

FACTS = (
    Fact("minus-25", MINUS25, "association/guides/cold-climate-heat-pumps", "down to minus 25 degrees Celsius"),
    Fact("cop-2", COP2, "lab/explainers/efficiency-at-low-temperatures", "coefficient of performance of about 2"),
    Fact("nordic-sales", SALES, "stats/sales/nordic-heat-pump-sales.txt", "412,000 units"),
    Fact("undersizing", UNDERSIZING, "forum/threads/undersized-units", "backup resistance heating takes over"),
    Fact("ground-source", GROUND, "lab/explainers/ground-source", "between 4 and 7 degrees Celsius"),
    Fact(
        "kallax-scop",
        KALLAX_FACT,
        "lab/reports/kallax-final-report.pdf",
        "seasonal coefficient of performance of 2.7",
        hops=1,
        lead="Kallax Field Trial",
        lead_page="association/articles/field-data-far-north",
        lead_sentence=KALLAX_LEAD,
        query_terms=("Kallax",),
    ),
    Fact(
        "grid-peak",
        GRID_FACT,
        "grid/publications/winter-peak-outlook",
        "winter peak electricity demand by 11 percent",
        hops=1,
        lead="Arctic Grid Operators Forum",
        lead_page="association/news/winter-grid-heat-pumps",
        lead_sentence=GRID_LEAD,
        query_terms=("Arctic Grid Operators Forum",),
    ),
    Fact(
        "defrost-share",
        DEFROST_FACT,
        "stats/datasets/hp-cold-22",
        "defrost cycles consumed 8 percent",
        hops=1,
        lead="HP-COLD-22",
        lead_page="forum/threads/defrost-cold-air",
        lead_sentence=DEFROST_LEAD,
        query_terms=("HP-COLD-22",),
    ),
    Fact(
        "retrofit-price",
        SURVEY_FACT,
        "stats/surveys/hammerfest-retrofit-survey.txt",
        "median installed price of 14,500 euros",
        hops=1,
        lead="Hammerfest Retrofit Survey",
        lead_page="forum/threads/what-did-it-cost",
        lead_sentence=SURVEY_LEAD,
        query_terms=("Hammerfest",),
    ),
    Fact(
        "defrost-noise",
        BODEN_FACT,
        "lab/notes/boden-acoustics-panel",
        "averaged 38 decibels at 5 metres",
        hops=2,
        lead="Boden Acoustics Panel",
        lead_page="lab/reports/kallax-final-report.pdf",
        lead_sentence=BODEN_LEAD,
        query_terms=("Boden Acoustics",),
    ),
)

# The question the corpus is written to answer, and what a first round would search for it.
QUESTION = "How do heat pumps cope with cold climates?"
