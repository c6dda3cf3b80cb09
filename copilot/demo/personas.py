"""The five demo customers as data: accounts, cards, money flows, trips and injected anomalies.

Amounts are in the account currency; spend is written positive here and stored negative.
`days_ago` counts back from the demo bank's as-of date. The generator (seed.py) turns this into rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal as D


@dataclass(frozen=True)
class AccountSpec:
    key: str
    kind: str
    name: str
    currency: str = "USD"
    opening: D = D("0")            # deposit balance, or amount owed for credit/loans, at the start of history
    target: D | None = None        # deposit accounts: choose the opening so the balance ends here
    credit_limit: D | None = None
    apr: D | None = None
    interest_rate: D | None = None
    statement_day: int = 20        # credit cards and loans: when interest is charged
    payment_due_day: int | None = None
    original_principal: D | None = None
    term_months: int | None = None
    opened_days_ago: int = 2000


@dataclass(frozen=True)
class CardSpec:
    key: str
    account: str
    kind: str
    network: str
    name: str


@dataclass(frozen=True)
class Flow:
    """A stream of transactions: fixed cadence (monthly/biweekly/weekly) or random per week."""

    merchants: tuple[str, ...]
    category: str
    account: str
    amount: tuple[float, float]            # (low, high); equal for a fixed amount
    cadence: str = "random"                # monthly | biweekly | weekly | random
    day: int = 1                           # monthly: day of month; weekly: weekday (0=Mon); biweekly: anchor days_ago
    per_week: float = 1.0                  # random flows
    income: bool = False
    kind: str = "spend"                    # spend | bill | subscription | income | transfer | loan_payment
    card: str | None = None
    channel: str = "card_present"
    mcc: str | None = None
    from_days_ago: int = 400
    to_days_ago: int = 0
    price_change: tuple[int, float] | None = None   # (days_ago, new fixed amount)
    seasonal: bool = False                 # December and summer peaks, January dip
    counterpart: str | None = None         # transfers: the account that receives the money
    home_only: bool = True                 # paused while the customer is abroad (traveller)
    pay_share: float | None = None         # card payments: pay this share of the balance owed on the day


@dataclass(frozen=True)
class Trip:
    from_days_ago: int
    to_days_ago: int
    country: str
    city: str
    currency: str
    rate: float                            # USD per unit of currency
    account: str                           # the account foreign spend goes to (wallet pocket or travel card)
    card: str | None


@dataclass(frozen=True)
class Anomaly:
    kind: str                              # duplicate_charge | card_testing | unusual_foreign | large_new_merchant
    days_ago: int
    account: str
    card: str | None
    merchant: str = ""
    amount: float = 0.0
    country: str = "US"
    city: str = ""
    currency: str = "USD"
    category: str = "shopping"
    mcc: str = "5999"
    note: str = ""


@dataclass(frozen=True)
class PayeeSpec:
    """Someone the customer has saved to pay (billers come from the bill flows)."""

    name: str
    nickname: str = ""
    kind: str = "person"
    added_days_ago: int = 400


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    email: str
    phone: str
    segment: str
    story: str
    pay_cadence: str
    accounts: tuple[AccountSpec, ...]
    cards: tuple[CardSpec, ...]
    flows: tuple[Flow, ...]
    trips: tuple[Trip, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    budgets: dict[str, D] = field(default_factory=dict)
    home_city: str = "Chicago"
    payees: tuple[PayeeSpec, ...] = ()


GROCERS = ("Whole Foods Market", "Trader Joe's", "Kroger", "Aldi")
DINING = ("Chipotle", "Olive Garden", "Sweetgreen", "Panera Bread", "Domino's Pizza", "Shake Shack", "Thai Orchid")
COFFEE = ("Starbucks", "Dunkin'", "Blue Bottle Coffee")
SHOPPING = ("Amazon", "Target", "Walmart", "Best Buy", "IKEA", "H&M", "Nike")
FUEL = ("Shell", "BP", "Chevron")
TRANSIT = ("Uber Trip", "Lyft", "CTA Ventra")
FUN = ("AMC Theatres", "Ticketmaster", "Steam Games", "Spotify Concerts")
HEALTH = ("CVS Pharmacy", "Walgreens")


def everyday(account: str, card: str, scale: float = 1.0, dining_per_week: float = 2.5) -> tuple[Flow, ...]:
    """The ordinary spending most households have, on one card."""
    return (
        Flow(GROCERS, "groceries", account, (38 * scale, 165 * scale), per_week=1.6, card=card, mcc="5411", seasonal=True),
        Flow(DINING, "dining", account, (12 * scale, 78 * scale), per_week=dining_per_week, card=card, mcc="5812", seasonal=True),
        Flow(COFFEE, "coffee", account, (4.25, 9.8), per_week=2.0, card=card, mcc="5814"),
        Flow(SHOPPING, "shopping", account, (15 * scale, 190 * scale), per_week=0.8, card=card, channel="online", mcc="5311", seasonal=True),
        Flow(TRANSIT, "transport", account, (8, 34), per_week=1.0, card=card, channel="online", mcc="4121"),
        Flow(FUN, "entertainment", account, (12, 95), per_week=0.35, card=card, channel="online", mcc="7832"),
        Flow(HEALTH, "health", account, (6, 48), per_week=0.3, card=card, mcc="5912"),
    )


PERSONAS: tuple[Persona, ...] = (
    Persona(
        id="demo-debt", name="Dana Reyes", email="dana.reyes@example.com", phone="+1 312 555 0142",
        segment="retail", pay_cadence="monthly", home_city="Chicago",
        story="Carries high-interest card debt on two cards plus a personal loan; wants a payoff plan.",
        accounts=(
            AccountSpec("chk", "checking", "Everyday Checking", target=D("1843.27"), opening=D("2100")),
            AccountSpec("sav", "savings", "Rainy Day Savings", opening=D("380.00"), interest_rate=D("3.75")),
            AccountSpec("visa", "credit_card", "Cashback Visa", opening=D("4400.00"), credit_limit=D("8000"),
                        apr=D("24.99"), statement_day=18, payment_due_day=12),
            AccountSpec("store", "credit_card", "HomeStyle Store Card", opening=D("1900.00"), credit_limit=D("2500"),
                        apr=D("29.99"), statement_day=5, payment_due_day=28),
            AccountSpec("loan", "personal_loan", "Personal Loan", opening=D("9850.00"), apr=D("11.49"),
                        original_principal=D("12000.00"), term_months=48, statement_day=1, payment_due_day=3,
                        opened_days_ago=760),
        ),
        cards=(CardSpec("debit", "chk", "debit", "Visa", "Everyday Debit"),
               CardSpec("visa", "visa", "credit", "Visa", "Cashback Visa"),
               CardSpec("store", "store", "credit", "Mastercard", "HomeStyle Store Card")),
        flows=(
            Flow(("Acme Logistics Payroll",), "income", "chk", (4835.16, 4835.16), cadence="monthly", day=28,
                 income=True, kind="income", channel="ach"),
            Flow(("Lakeview Apartments",), "rent", "chk", (1450, 1450), cadence="monthly", day=1, kind="bill", channel="ach"),
            Flow(("ComEd Electric",), "utilities", "chk", (62, 138), cadence="monthly", day=9, kind="bill", channel="ach", seasonal=True),
            Flow(("Xfinity Internet",), "phone_internet", "chk", (65, 65), cadence="monthly", day=14, kind="bill", channel="ach"),
            Flow(("T-Mobile",), "phone_internet", "chk", (55, 55), cadence="monthly", day=21, kind="bill", channel="ach"),
            Flow(("Netflix",), "subscriptions", "visa", (15.49, 15.49), cadence="monthly", day=7, kind="subscription",
                 card="visa", channel="online", mcc="4899", price_change=(52, 17.99)),
            Flow(("Spotify",), "subscriptions", "visa", (11.99, 11.99), cadence="monthly", day=16, kind="subscription",
                 card="visa", channel="online", mcc="4899"),
            Flow(("Planet Fitness",), "fitness", "chk", (24.99, 24.99), cadence="monthly", day=17, kind="subscription",
                 card="debit", mcc="7997"),
            Flow(("State Farm Insurance",), "insurance", "chk", (118.40, 118.40), cadence="monthly", day=11, kind="bill", channel="ach"),
            Flow(("Cashback Visa Payment",), "debt_payments", "chk", (600, 600), cadence="monthly", day=10,
                 kind="transfer", channel="transfer", counterpart="visa"),
            Flow(("HomeStyle Store Card Payment",), "debt_payments", "chk", (85, 85), cadence="monthly", day=26,
                 kind="transfer", channel="transfer", counterpart="store"),
            Flow(("Personal Loan Payment",), "debt_payments", "chk", (313.25, 313.25), cadence="monthly", day=3,
                 kind="loan_payment", channel="transfer", counterpart="loan"),
            Flow(("Transfer to Rainy Day Savings",), "savings", "chk", (25, 25), cadence="monthly", day=29,
                 kind="transfer", channel="transfer", counterpart="sav"),
            Flow(("HomeStyle",), "shopping", "store", (25, 140), per_week=0.12, card="store", mcc="5712"),
            Flow(FUEL, "fuel", "chk", (28, 61), per_week=0.9, card="debit", mcc="5541"),
            Flow(DINING, "dining", "visa", (14, 82), per_week=1.8, card="visa", mcc="5812", seasonal=True),
            Flow(SHOPPING, "shopping", "visa", (20, 160), per_week=0.5, card="visa", channel="online", mcc="5311",
                 seasonal=True),
            *everyday("chk", "debit", dining_per_week=0.8),
        ),
        anomalies=(
            Anomaly("duplicate_charge", 9, "visa", "visa", merchant="Olive Garden", amount=64.82, category="dining", mcc="5812",
                    note="same merchant and amount twice within minutes"),
            Anomaly("price_rise", 52, "visa", "visa", merchant="Netflix", note="Netflix rose from 15.49 to 17.99"),
        ),
        budgets={"dining": D("650"), "groceries": D("800"), "shopping": D("600")},
        payees=(PayeeSpec("Linda Reyes", "Mom"), PayeeSpec("Jake Miller", added_days_ago=200)),
    ),
    Persona(
        id="demo-newjob", name="Sam Okafor", email="sam.okafor@example.com", phone="+1 206 555 0187",
        segment="retail", pay_cadence="biweekly", home_city="Seattle",
        story="Young professional in the first pay cycles of a new job (biweekly pay); wants to start saving.",
        accounts=(
            AccountSpec("chk", "checking", "Student Checking", target=D("2316.40"), opening=D("600")),
            AccountSpec("sav", "savings", "High-Yield Savings", opening=D("150.00"), interest_rate=D("4.10")),
            AccountSpec("card", "credit_card", "Starter Mastercard", opening=D("310.00"), credit_limit=D("2500"),
                        apr=D("21.99"), statement_day=24, payment_due_day=19),
        ),
        cards=(CardSpec("debit", "chk", "debit", "Visa", "Student Debit"),
               CardSpec("card", "card", "credit", "Mastercard", "Starter Mastercard")),
        flows=(
            Flow(("Bean Scene Cafe Payroll",), "income", "chk", (1010, 1190), cadence="biweekly", day=400, income=True,
                 kind="income", channel="ach", to_days_ago=95),
            Flow(("Northwind Analytics Payroll",), "income", "chk", (2145.38, 2145.38), cadence="biweekly", day=82,
                 income=True, kind="income", channel="ach", from_days_ago=82),
            Flow(("Maple Court Roommates",), "rent", "chk", (750, 750), cadence="monthly", day=1, kind="bill",
                 channel="transfer", to_days_ago=100),
            Flow(("Cascade Residences",), "rent", "chk", (1200, 1200), cadence="monthly", day=1, kind="bill",
                 channel="ach", from_days_ago=99),
            Flow(("Seattle City Light",), "utilities", "chk", (38, 74), cadence="monthly", day=12, kind="bill",
                 channel="ach", from_days_ago=99, seasonal=True),
            Flow(("Nelnet Student Loan",), "education", "chk", (212.50, 212.50), cadence="monthly", day=15, kind="bill", channel="ach"),
            Flow(("Spotify",), "subscriptions", "card", (5.99, 5.99), cadence="monthly", day=3, kind="subscription",
                 card="card", channel="online", mcc="4899", to_days_ago=80),
            Flow(("Spotify",), "subscriptions", "card", (11.99, 11.99), cadence="monthly", day=3, kind="subscription",
                 card="card", channel="online", mcc="4899", from_days_ago=79),
            Flow(("iCloud Storage",), "subscriptions", "card", (2.99, 2.99), cadence="monthly", day=9, kind="subscription",
                 card="card", channel="online", mcc="4899"),
            Flow(("Visible Wireless",), "phone_internet", "chk", (30, 30), cadence="monthly", day=20, kind="bill", card="debit", channel="online"),
            Flow(("Starter Mastercard Payment",), "debt_payments", "chk", (0, 0), cadence="monthly", day=17,
                 kind="transfer", channel="transfer", counterpart="card", pay_share=0.7),
            Flow(("King County Metro",), "transport", "chk", (2.75, 2.75), per_week=6, card="debit", mcc="4111"),
            *everyday("card", "card", scale=0.8, dining_per_week=2.0),
        ),
        anomalies=(
            Anomaly("card_testing", 3, "card", "card", merchant="PAYPRO*DIGISTORE", country="LT", currency="USD",
                    category="shopping", mcc="5818", note="four micro-charges at an unknown online merchant within 40 minutes"),
            Anomaly("large_new_merchant", 19, "chk", "debit", merchant="LuxWatch Outlet Online", amount=1180.00,
                    category="shopping", mcc="5944", note="first purchase at this merchant, about 25 times the usual"),
        ),
        budgets={"dining": D("300"), "shopping": D("250")},
        payees=(PayeeSpec("Grace Okafor", "Mom", added_days_ago=300), PayeeSpec("Tom Baker", "roommate", added_days_ago=90)),
    ),
    Persona(
        id="demo-gig", name="Alex Moreno", email="alex.moreno@example.com", phone="+1 512 555 0119",
        segment="retail", pay_cadence="irregular", home_city="Austin",
        story="Variable-income household: rideshare and delivery payouts plus a partner's part-time pay.",
        accounts=(
            AccountSpec("chk", "checking", "Household Checking", target=D("1264.88"), opening=D("900")),
            AccountSpec("sav", "savings", "Buffer Savings", opening=D("1200.00"), interest_rate=D("3.75")),
            AccountSpec("card", "credit_card", "Everyday Rewards Visa", opening=D("1420.00"), credit_limit=D("6000"),
                        apr=D("22.49"), statement_day=8, payment_due_day=3),
        ),
        cards=(CardSpec("debit", "chk", "debit", "Visa", "Household Debit"),
               CardSpec("card", "card", "credit", "Visa", "Everyday Rewards Visa")),
        flows=(
            Flow(("Uber Driver Payout",), "income", "chk", (180, 690), cadence="weekly", day=0, income=True,
                 kind="income", channel="ach", seasonal=True),
            Flow(("DoorDash Dasher Payout",), "income", "chk", (45, 240), per_week=1.6, income=True, kind="income",
                 channel="ach", seasonal=True),
            Flow(("Etsy Payout",), "income", "chk", (60, 420), cadence="biweekly", day=390, income=True, kind="income",
                 channel="ach", seasonal=True),
            Flow(("Riverside Clinic Payroll",), "income", "chk", (962.5, 1015.75), cadence="biweekly", day=396,
                 income=True, kind="income", channel="ach"),
            Flow(("Eastside Rentals",), "rent", "chk", (1650, 1650), cadence="monthly", day=1, kind="bill", channel="ach"),
            Flow(("Austin Energy",), "utilities", "chk", (88, 214), cadence="monthly", day=8, kind="bill", channel="ach", seasonal=True),
            Flow(("Spectrum Internet",), "phone_internet", "chk", (70, 70), cadence="monthly", day=18, kind="bill", channel="ach"),
            Flow(("Little Sprouts Daycare",), "childcare", "chk", (640, 640), cadence="monthly", day=5, kind="bill", channel="ach"),
            Flow(("GEICO Auto Insurance",), "insurance", "chk", (146.20, 146.20), cadence="monthly", day=22, kind="bill", channel="ach"),
            Flow(("Spotify Family",), "subscriptions", "card", (16.99, 16.99), cadence="monthly", day=12, kind="subscription",
                 card="card", channel="online", mcc="4899", price_change=(40, 19.99)),
            Flow(("Disney+",), "subscriptions", "card", (13.99, 13.99), cadence="monthly", day=19, kind="subscription",
                 card="card", channel="online", mcc="4899"),
            Flow(("Transfer to Buffer Savings",), "savings", "chk", (450, 450), cadence="monthly", day=15,
                 kind="transfer", channel="transfer", counterpart="sav"),
            Flow(("Everyday Rewards Visa Payment",), "debt_payments", "chk", (0, 0), cadence="monthly", day=1,
                 kind="transfer", channel="transfer", counterpart="card", pay_share=0.55),
            Flow(FUEL, "fuel", "chk", (32, 68), per_week=2.6, card="debit", mcc="5541"),
            Flow(("Jiffy Lube", "Discount Tire"), "transport", "chk", (45, 260), per_week=0.12, card="debit", mcc="7538"),
            *everyday("card", "card", scale=1.1, dining_per_week=1.6),
        ),
        anomalies=(
            Anomaly("duplicate_charge", 14, "card", "card", merchant="Target", amount=86.47, category="shopping", mcc="5311",
                    note="same merchant and amount twice within minutes"),
            Anomaly("price_rise", 40, "card", "card", merchant="Spotify Family", note="Spotify Family rose from 16.99 to 19.99"),
        ),
        budgets={"groceries": D("850"), "fuel": D("450"), "dining": D("250")},
        payees=(PayeeSpec("Carmen Moreno", "sister", added_days_ago=600),),
    ),
    Persona(
        id="demo-traveler", name="Mia Laurent", email="mia.laurent@example.com", phone="+1 917 555 0163",
        segment="retail", pay_cadence="monthly", home_city="New York",
        story="Frequent traveller with cross-border spending and a multi-currency wallet (EUR, GBP, JPY).",
        accounts=(
            AccountSpec("chk", "checking", "Premier Checking", target=D("8420.55"), opening=D("9000")),
            AccountSpec("sav", "savings", "Premier Savings", opening=D("24500.00"), interest_rate=D("4.25")),
            AccountSpec("travel", "credit_card", "Voyager World Elite", opening=D("1850.00"), credit_limit=D("15000"),
                        apr=D("20.99"), statement_day=27, payment_due_day=22),
            AccountSpec("eur", "wallet", "Wallet EUR", currency="EUR", opening=D("650.00")),
            AccountSpec("gbp", "wallet", "Wallet GBP", currency="GBP", opening=D("210.00")),
            AccountSpec("jpy", "wallet", "Wallet JPY", currency="JPY", opening=D("18000")),
        ),
        cards=(CardSpec("debit", "chk", "debit", "Visa", "Premier Debit"),
               CardSpec("travel", "travel", "credit", "Mastercard", "Voyager World Elite"),
               CardSpec("wallet", "eur", "debit", "Visa", "Multi-currency Wallet Card")),
        flows=(
            Flow(("Meridian Consulting Payroll",), "income", "chk", (8540, 8540), cadence="monthly", day=25, income=True,
                 kind="income", channel="ach", home_only=False),
            Flow(("Hudson Yards Residences",), "rent", "chk", (2400, 2400), cadence="monthly", day=1, kind="bill",
                 channel="ach", home_only=False),
            Flow(("Con Edison",), "utilities", "chk", (55, 120), cadence="monthly", day=10, kind="bill", channel="ach",
                 home_only=False, seasonal=True),
            Flow(("Verizon Wireless",), "phone_internet", "chk", (85, 85), cadence="monthly", day=16, kind="bill",
                 channel="ach", home_only=False),
            Flow(("Equinox",), "fitness", "travel", (215, 215), cadence="monthly", day=2, kind="subscription",
                 card="travel", channel="online", mcc="7997", home_only=False),
            Flow(("The New York Times",), "subscriptions", "travel", (25, 25), cadence="monthly", day=6, kind="subscription",
                 card="travel", channel="online", mcc="5994", home_only=False),
            Flow(("Voyager World Elite Payment",), "debt_payments", "chk", (0, 0), cadence="monthly", day=23,
                 kind="transfer", channel="transfer", counterpart="travel", home_only=False, pay_share=1.0),
            Flow(("Transfer to Premier Savings",), "savings", "chk", (500, 500), cadence="monthly", day=26,
                 kind="transfer", channel="transfer", counterpart="sav", home_only=False),
            Flow(("Delta Air Lines", "United Airlines", "Air France"), "travel", "travel", (280, 1240), per_week=0.2,
                 card="travel", channel="online", mcc="4511", home_only=False),
            *everyday("travel", "travel", scale=1.3, dining_per_week=3.5),
        ),
        trips=(
            Trip(330, 322, "GB", "London", "GBP", 1.27, "gbp", "wallet"),
            Trip(262, 252, "JP", "Tokyo", "JPY", 0.0068, "jpy", "wallet"),
            Trip(190, 183, "ES", "Barcelona", "EUR", 1.09, "travel", "travel"),
            Trip(118, 110, "DE", "Berlin", "EUR", 1.08, "eur", "wallet"),
            Trip(44, 36, "GB", "Edinburgh", "GBP", 1.26, "travel", "travel"),
            Trip(12, 5, "FR", "Paris", "EUR", 1.08, "eur", "wallet"),
        ),
        anomalies=(
            Anomaly("unusual_foreign", 8, "travel", "travel", merchant="Electro Mundo", amount=1249.90, country="BR",
                    city="Sao Paulo", category="shopping", mcc="5732",
                    note="card-present in Brazil while the customer is spending in Paris: impossible travel"),
            Anomaly("card_testing", 31, "chk", "debit", merchant="XJ*GIFTSHOP884", country="US", category="shopping",
                    mcc="5818", note="micro-charges at an unknown online merchant"),
            Anomaly("duplicate_charge", 21, "travel", "travel", merchant="Sweetgreen", amount=18.45, category="dining",
                    mcc="5812", note="same merchant and amount twice within minutes"),
        ),
        budgets={"travel": D("2000"), "dining": D("1100")},
        payees=(PayeeSpec("Luc Laurent", "Dad", added_days_ago=800), PayeeSpec("Sofia Rossi", added_days_ago=5)),
    ),
    Persona(
        id="demo-sme", name="Priya Shah", email="priya@shahbakery.example.com", phone="+1 617 555 0104",
        segment="sme", pay_cadence="business", home_city="Boston",
        story="Owner of Shah Bakery LLC: business account, term loan, seasonal cash flow (holiday peak, January dip).",
        accounts=(
            AccountSpec("biz", "business_checking", "Shah Bakery Operating", target=D("18640.12"), opening=D("15000")),
            AccountSpec("reserve", "savings", "Shah Bakery Tax Reserve", opening=D("9200.00"), interest_rate=D("3.25")),
            AccountSpec("bizcard", "credit_card", "Business Platinum Card", opening=D("4200.00"), credit_limit=D("20000"),
                        apr=D("18.24"), statement_day=15, payment_due_day=10),
            AccountSpec("loan", "term_loan", "Equipment Term Loan", opening=D("52400.00"), apr=D("8.25"),
                        original_principal=D("60000.00"), term_months=60, statement_day=1, payment_due_day=5,
                        opened_days_ago=530),
            AccountSpec("personal", "checking", "Personal Checking", target=D("3150.00"), opening=D("2500")),
        ),
        cards=(CardSpec("bizdebit", "biz", "debit", "Visa", "Business Debit"),
               CardSpec("bizcard", "bizcard", "credit", "Visa", "Business Platinum Card")),
        flows=(
            Flow(("Square Deposit",), "income", "biz", (530, 1490), cadence="random", per_week=6.0, income=True,
                 kind="income", channel="ach", seasonal=True),
            Flow(("Catering Invoice Payment",), "income", "biz", (600, 3400), per_week=0.5, income=True, kind="income",
                 channel="ach", seasonal=True),
            Flow(("Gusto Payroll",), "payroll", "biz", (6720, 7180), cadence="biweekly", day=398, kind="bill", channel="ach"),
            Flow(("Harbor Street Properties",), "rent", "biz", (3200, 3200), cadence="monthly", day=1, kind="bill", channel="ach"),
            Flow(("Eversource Energy",), "utilities", "biz", (410, 780), cadence="monthly", day=12, kind="bill",
                 channel="ach", seasonal=True),
            Flow(("Restaurant Depot", "King Arthur Baking Wholesale", "Boston Dairy Co-op"), "business_supplies", "bizcard",
                 (180, 1350), per_week=2.2, card="bizcard", channel="online", mcc="5142", seasonal=True),
            Flow(("Ecolab Services",), "business_services", "biz", (289, 289), cadence="monthly", day=20, kind="bill", channel="ach"),
            Flow(("Toast POS Software",), "subscriptions", "bizcard", (165, 165), cadence="monthly", day=7,
                 kind="subscription", card="bizcard", channel="online", mcc="5734"),
            Flow(("Hiscox Business Insurance",), "insurance", "biz", (212.75, 212.75), cadence="monthly", day=14,
                 kind="bill", channel="ach"),
            Flow(("Business Platinum Card Payment",), "debt_payments", "biz", (0, 0), cadence="monthly", day=9,
                 kind="transfer", channel="transfer", counterpart="bizcard", pay_share=1.0),
            Flow(("Equipment Term Loan Payment",), "debt_payments", "biz", (1223.78, 1223.78), cadence="monthly", day=5,
                 kind="loan_payment", channel="transfer", counterpart="loan"),
            Flow(("Owner Draw",), "transfers", "biz", (3150, 3150), cadence="monthly", day=28, kind="transfer",
                 channel="transfer", counterpart="personal"),
            Flow(("Transfer to Tax Reserve",), "taxes", "biz", (900, 900), cadence="monthly", day=27, kind="transfer",
                 channel="transfer", counterpart="reserve"),
            Flow(("Back Bay Condo Association",), "rent", "personal", (2150, 2150), cadence="monthly", day=2, kind="bill", channel="ach"),
            Flow(GROCERS, "groceries", "personal", (45, 180), per_week=1.3, mcc="5411"),
            Flow(DINING, "dining", "personal", (18, 90), per_week=1.2, mcc="5812"),
        ),
        anomalies=(
            Anomaly("duplicate_charge", 6, "bizcard", "bizcard", merchant="Restaurant Depot", amount=742.18,
                    category="business_supplies", mcc="5142", note="supplier charged twice within minutes"),
            Anomaly("unusual_foreign", 16, "bizcard", "bizcard", merchant="ALIEXP*KITCHENPRO", amount=2380.00,
                    country="CN", city="Hangzhou", category="business_supplies", mcc="5999",
                    note="large online charge from a foreign merchant never used before"),
        ),
        budgets={"business_supplies": D("9000")},
        payees=(PayeeSpec("Maria Santos", "cleaner", added_days_ago=300),),
    ),
)
