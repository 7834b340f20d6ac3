"""Pools of names, streets and phrases, drawn from Faker once and then combined at random.

Faker is far too slow to call per row for a hundred thousand clients; a few thousand draws up front
give enough variety, and combining them with one seeded ``random.Random`` keeps the data reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker


@dataclass(frozen=True, slots=True)
class City:
    name: str
    inn_region: str
    phone_code: str
    timezone: str
    weight: int


CITIES: tuple[City, ...] = (
    City("Москва", "77", "495", "Europe/Moscow", 30),
    City("Москва", "77", "499", "Europe/Moscow", 8),
    City("Санкт-Петербург", "78", "812", "Europe/Moscow", 14),
    City("Новосибирск", "54", "383", "Asia/Novosibirsk", 7),
    City("Екатеринбург", "66", "343", "Asia/Yekaterinburg", 6),
    City("Казань", "16", "843", "Europe/Moscow", 5),
    City("Нижний Новгород", "52", "831", "Europe/Moscow", 4),
    City("Ростов-на-Дону", "61", "863", "Europe/Moscow", 4),
    City("Самара", "63", "846", "Europe/Samara", 4),
    City("Краснодар", "23", "861", "Europe/Moscow", 4),
    City("Красноярск", "24", "391", "Asia/Krasnoyarsk", 3),
    City("Челябинск", "74", "351", "Asia/Yekaterinburg", 3),
    City("Владивосток", "25", "423", "Asia/Vladivostok", 2),
)

BRAND_ROOTS = (
    "Ромашка", "Вектор", "Альфа", "Спектр", "Гарант", "Прогресс", "Меридиан", "Авангард", "Импульс", "Горизонт",
    "Сфера", "Кристалл", "Лидер", "Стандарт", "Магистраль", "Оптима", "Энергия", "Восход", "Северный ветер",
    "Орбита", "Партнёр", "Регион", "Феникс", "Атлант", "Созвездие", "Берёзка", "Ладога", "Байкал", "Урал",
    "Волга", "Альянс", "Эталон", "Квант", "Интеграл", "Монолит", "Гранит", "Капитал", "Успех", "Исток", "Родник",
)
BRAND_SECTORS = (
    "", "", "", "Строй", "Торг", "Снаб", "Пром", "Сервис", "Логистик", "Трейд", "Технологии", "Групп", "Инвест",
    "Агро", "Мед", "Энерго", "Софт", "Маркет", "Металл", "Транс",
)
EN_SECTORS = (
    "Systems", "Logistics", "Trading", "Solutions", "Group", "Partners", "Technologies", "Holdings", "Foods",
    "Consulting", "Industries", "Labs", "", "", "",
)
POSITIONS_RU = (
    "Генеральный директор", "Коммерческий директор", "Главный бухгалтер", "Менеджер по закупкам",
    "Руководитель отдела снабжения", "Офис-менеджер", "Финансовый директор", "Юрист", "Технический директор",
    "Специалист по закупкам", "Заместитель директора",
)
POSITIONS_EN = ("CEO", "Procurement Manager", "CFO", "Office Manager", "Head of Operations", "Buyer", "COO")
CONTACT_ROLES = ("ЛПР", "закупки", "бухгалтерия", "секретарь", "юрист", "")
PRODUCTS = (
    "Тариф «Бизнес»", "Тариф «Старт»", "Поставка оборудования", "Сервисное обслуживание", "Лицензии на год",
    "Расходные материалы", "Внедрение", "Консультации", "Обучение персонала", "Гарантийный ремонт",
)
CALL_SUBJECTS = (
    "Уточнение потребности", "Презентация предложения", "Обсуждение условий", "Согласование цены",
    "Вопрос по счёту", "Статус поставки", "Продление договора", "Холодный звонок", "Повторный звонок",
    "Вопрос по доставке", "Техническая поддержка",
)
MEETING_SUBJECTS = ("Встреча в офисе клиента", "Презентация продукта", "Переговоры по договору", "Демонстрация")
EMAIL_SUBJECTS = ("Коммерческое предложение", "Счёт на оплату", "Договор на подпись", "Ответ на запрос", "Прайс-лист")
NOTE_SUBJECTS = ("Заметка", "Сменился контакт", "Особые условия оплаты", "Клиент в отпуске до конца месяца")
TASK_TITLES = (
    "Отправить коммерческое предложение", "Подготовить договор", "Выставить счёт", "Согласовать встречу",
    "Уточнить реквизиты", "Проверить оплату", "Отправить акт сверки",
)
DEAL_TITLES = ("Поставка", "Годовой контракт", "Расширение лицензий", "Пилотный проект", "Сервисный договор")
CLAIM_SUBJECTS = (
    "Задержка поставки", "Неверная сумма в счёте", "Брак в партии", "Грубость оператора", "Не перезвонили",
    "Повторное списание", "Неполная комплектация",
)
LOST_REASONS = ("Дорого", "Выбрали конкурента", "Нет бюджета", "Проект отложен", "Не дозвонились до ЛПР")
SOURCES = ("сайт", "холодный звонок", "рекомендация", "выставка", "реклама", "повторное обращение")
INDUSTRIES = ("розница", "производство", "строительство", "логистика", "IT", "медицина", "общепит", "образование")
FREE_MAIL = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru", "rambler.ru")

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
         "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    )
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """ASCII, lower-case, for e-mail local parts and domains (``Ромашка`` → ``romashka``)."""
    ascii_text = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return _NOT_SLUG.sub("", ascii_text)


@dataclass(frozen=True, slots=True)
class Pools:
    ru_first_m: tuple[str, ...]
    ru_first_f: tuple[str, ...]
    ru_middle_m: tuple[str, ...]
    ru_middle_f: tuple[str, ...]
    ru_last_m: tuple[str, ...]
    ru_last_f: tuple[str, ...]
    en_first: tuple[str, ...]
    en_last: tuple[str, ...]
    streets: tuple[str, ...]
    postcodes: tuple[str, ...]


def _draw(method: Callable[[], str], count: int) -> tuple[str, ...]:
    # Sorted and de-duplicated: the pool's order must not depend on how often Faker repeated itself.
    return tuple(sorted({method() for _ in range(count)}))


def build_pools(seed: int) -> Pools:
    """Draw every pool from Faker, seeded, so the same seed gives the same pools."""
    ru = Faker("ru_RU")
    en = Faker("en_US")
    ru.seed_instance(seed)
    en.seed_instance(seed)
    return Pools(
        ru_first_m=_draw(ru.first_name_male, 400),
        ru_first_f=_draw(ru.first_name_female, 400),
        ru_middle_m=_draw(ru.middle_name_male, 300),
        ru_middle_f=_draw(ru.middle_name_female, 300),
        ru_last_m=_draw(ru.last_name_male, 1500),
        ru_last_f=_draw(ru.last_name_female, 1500),
        en_first=_draw(en.first_name, 1500),
        en_last=_draw(en.last_name, 1500),
        streets=_draw(ru.street_address, 1500),
        postcodes=_draw(ru.postcode, 500),
    )
