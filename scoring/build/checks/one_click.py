"""The one-click task's raw files, as the checks expect them (see dbt_project/models/staging/one_click/).

Headers are the published Russian ones, in file order. Limits are wide around the real files (README of the
data): they catch a shifted column, a unit change or a sign error, not an unusual client.
"""

from scoring.build.checks.spec import Column, Decimal, FileSpec, Id, Integer, OneOf, Text

# Published spellings, typos included: staging maps «стандартт» to «стандарт» and reads the misspelt months.
LABELS = ("Снизилась", "Прежний уровень")
SERVICE_TYPES = ("стандарт", "стандартт", "премиум")
YES_NO = ("да", "нет")
REVENUE_MONTHS = ("текущий_месяц", "предыдущий_месяц", "препредыдущий_месяц")
TIME_MONTHS = ("текущий_месяц", "предыдцщий_месяц")

MAX_COUNT = 10_000  # contacts, categories, pages, unpaid items or errors per client and period
MINUTES_IN_MONTH = 31 * 24 * 60

CLIENTS = FileSpec(
    stem="market_file",
    columns=(
        Column("id", Id()),
        # Empty for the clients to be scored; any other value would silently count as unlabelled.
        Column("Покупательская активность", OneOf(LABELS), nullable=True),
        Column("Тип сервиса", OneOf(SERVICE_TYPES)),
        Column("Разрешить сообщать", OneOf(YES_NO)),
        Column("Маркет_актив_6_мес", Decimal(0.0, MAX_COUNT, unit="contacts a month")),
        Column("Маркет_актив_тек_мес", Integer(0, MAX_COUNT, "contacts")),
        Column("Длительность", Integer(0, 100 * 366, "days")),
        Column("Акционные_покупки", Decimal(0.0, 1.0, unit="(a share)")),
        # Free text: a new category becomes one more level of the one-hot encoding, not an error.
        Column("Популярная_категория", Text()),
        Column("Средний_просмотр_категорий_за_визит", Integer(0, MAX_COUNT, "categories")),
        Column("Неоплаченные_продукты_штук_квартал", Integer(0, MAX_COUNT, "items")),
        Column("Ошибка_сервиса", Integer(0, MAX_COUNT, "errors")),
        Column("Страниц_за_визит", Integer(0, MAX_COUNT, "pages")),
    ),
    unique=("id",),
)

REVENUE = FileSpec(
    stem="market_money",
    columns=(
        Column("id", Id()),
        Column("Период", OneOf(REVENUE_MONTHS)),
        # The real file holds one 106,862 outlier among values of about 5,000: rare, not absurd.
        Column("Выручка", Decimal(0.0, 100_000_000.0, unit="roubles")),
    ),
    unique=("id", "Период"),
)

MINUTES = FileSpec(
    stem="market_time",
    columns=(
        Column("id", Id()),
        Column("Период", OneOf(TIME_MONTHS)),
        Column("минут", Integer(0, MINUTES_IN_MONTH, "minutes")),
    ),
    unique=("id", "Период"),
)

PROFIT = FileSpec(
    stem="money",
    delimiter=";",
    # Real profits are 0.86..7.43 (units unpublished); a client may cost more than they bring, so a negative
    # profit is allowed, and 1,000 either way is far beyond any real client.
    columns=(Column("id", Id()), Column("Прибыль", Decimal(-1_000.0, 1_000.0, decimal_mark=","))),
    unique=("id",),
)

ONE_CLICK = {spec.stem: spec for spec in (CLIENTS, REVENUE, MINUTES, PROFIT)}
