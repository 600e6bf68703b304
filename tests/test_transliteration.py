"""The Transliteration Act (2009), row by row, its two exceptions, capitals, and the search key."""

import pytest

from opora.core.transliteration import search_key, transliterate

# Art. 4 of the Act, in the Act's order.
TABLE = [
    ("а", "a"),
    ("б", "b"),
    ("в", "v"),
    ("г", "g"),
    ("д", "d"),
    ("е", "e"),
    ("ж", "zh"),
    ("з", "z"),
    ("и", "i"),
    ("й", "y"),
    ("к", "k"),
    ("л", "l"),
    ("м", "m"),
    ("н", "n"),
    ("о", "o"),
    ("п", "p"),
    ("р", "r"),
    ("с", "s"),
    ("т", "t"),
    ("у", "u"),
    ("ф", "f"),
    ("х", "h"),
    ("ц", "ts"),
    ("ч", "ch"),
    ("ш", "sh"),
    ("щ", "sht"),
    ("ъ", "a"),
    ("ь", "y"),
    ("ю", "yu"),
    ("я", "ya"),
]


def test_the_table_is_the_whole_bulgarian_alphabet() -> None:
    assert "".join(cyrillic for cyrillic, _latin in TABLE) == "абвгдежзийклмнопрстуфхцчшщъьюя"


@pytest.mark.parametrize(("cyrillic", "latin"), TABLE)
def test_every_lowercase_letter(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@pytest.mark.parametrize(("cyrillic", "latin"), TABLE)
def test_every_capital_letter_alone_is_capitalised(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic.upper()) == latin.capitalize()


@pytest.mark.parametrize(("cyrillic", "latin"), TABLE)
def test_every_capital_letter_in_a_word_of_capitals_stays_in_capitals(cyrillic: str, latin: str) -> None:
    assert transliterate(f"О{cyrillic.upper()}О") == f"O{latin.upper()}O"


@pytest.mark.parametrize(("cyrillic", "latin"), TABLE)
def test_every_letter_inside_a_capitalised_word(cyrillic: str, latin: str) -> None:
    assert transliterate(f"{cyrillic.upper()}о{cyrillic}") == f"{latin.capitalize()}o{latin}"


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        # Art. 5: "ия" at the end of a word is "ia".
        ("София", "Sofia"),
        ("Мария", "Maria"),
        ("Мизия", "Mizia"),
        ("Гергьовия", "Gergyovia"),
        ("МАРИЯ", "MARIA"),
        ("мария", "maria"),
        ("Ия", "Ia"),  # a word of its own that ends in "ия": the rule is about the end of the word
        ("ИЯ", "IA"),
        ("София-юг", "Sofia-yug"),  # the Act's own example: a hyphen ends the word
        ("София-Град", "Sofia-Grad"),
        ("Мария, Мария.", "Maria, Maria."),
        # Elsewhere "ия" is "iy".
        ("Ияна", "Iyana"),
        ("Киянов", "Kiyanov"),
        ("Сияна", "Siyana"),
        ("Марияна", "Mariyana"),
        ("Софиянец", "Sofiyanets"),
        ("Марии", "Marii"),
        ("Благоевград", "Blagoevgrad"),  # no "ия" at all
    ],
)
def test_the_ia_ending(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("България", "Bulgaria"),  # art. 6: the name of the state, not "Balgaria"
        ("БЪЛГАРИЯ", "BULGARIA"),
        ("Република България", "Republika Bulgaria"),
        ("български", "balgarski"),  # only the name itself is the exception
        ("Българиянец", "Balgariyanets"),
    ],
)
def test_the_name_of_the_state(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Жечо", "Zhecho"),
        ("ЖЕЧО", "ZHECHO"),
        ("Щерю", "Shteryu"),
        ("ЩЕРЮ", "SHTERYU"),
        ("Цанко", "Tsanko"),
        ("Юлиан", "Yulian"),
        ("Ямбол", "Yambol"),
        ("Чавдар", "Chavdar"),
        ("ИВАН Петров", "IVAN Petrov"),  # each word keeps its own case
        ("Ж. Петров", "Zh. Petrov"),  # an initial in a normal text
        ("Ж. ПЕТРОВ", "ZH. PETROV"),  # an initial in a text typed in capitals
        ("Ж", "Zh"),
        ("МакДоналд", "MakDonald"),  # a capital inside a word stays a capital
        ("иВАН", "iVAN"),  # not a word of capitals: each capital is capitalised
    ],
)
def test_capitals_keep_their_case(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        # Names and places used as examples in and around the Act.
        ("Никола Павлов", "Nikola Pavlov"),
        ("Атанас", "Atanas"),
        ("Враца", "Vratsa"),
        ("Габрово", "Gabrovo"),
        ("Дупница", "Dupnitsa"),
        ("Живко", "Zhivko"),
        ("Златица", "Zlatitsa"),
        ("Йордан", "Yordan"),
        ("Кьустендил", "Kyustendil"),
        ("Несебър", "Nesebar"),
        ("Община", "Obshtina"),
        ("Пловдив", "Plovdiv"),
        ("Търговище", "Targovishte"),
        ("Узунджово", "Uzundzhovo"),
        ("Хасково", "Haskovo"),
        ("Шабла", "Shabla"),
        ("Щастливец", "Shtastlivets"),
        ("Стара планина", "Stara planina"),
        ("Атанасовско езеро", "Atanasovsko ezero"),
        ("Централен Балкан", "Tsentralen Balkan"),
        ("Перник-север", "Pernik-sever"),
    ],
)
def test_examples_of_the_act(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("ул. „Шипка“ № 12-А, бл. 3, ет. 4", "ul. „Shipka“ № 12-A, bl. 3, et. 4"),
        ("Мария-Антоанета Петрова-Иванова", "Maria-Antoaneta Petrova-Ivanova"),
        ("ЦОП 2 — Ямбол, тел. 0888 123 456", "TSOP 2 — Yambol, tel. 0888 123 456"),
        ("John Smith", "John Smith"),  # Latin passes unchanged
        ("Straße İstanbul ẞ", "Straße İstanbul ẞ"),  # even letters whose case does not round-trip
        ("Ёлка ы і", "Ёlka ы і"),  # other alphabets' Cyrillic letters are not the Act's to change
        ("", ""),
        ("  \t\n", "  \t\n"),
        ("ѝ", "i"),  # the pronoun "her", written with a grave accent
        ("и\u0306од", "yod"),  # й typed as и + combining breve is still й
    ],
)
def test_mixed_text(text: str, latin: str) -> None:
    assert transliterate(text) == latin


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Иван  Петров-Иванов", "IVAN Petrov Ivanov"),
        ("Мария Петрова", "maria petrova"),
        ("ЖЕЧО", "Zhecho"),
        ("Георги  Иванов ", " georgi-ivanov"),
        ("José Núñez", "JOSE NUNEZ"),
        ("O'Brien", "o brien"),
        ("Иван_Петров", "ivan petrov"),
        ("Иван\tПетров\n", "Ivan Petrov"),
    ],
)
def test_search_keys_of_the_same_name_meet(first: str, second: str) -> None:
    assert search_key(first) == search_key(second)


def test_the_search_key_is_lowercase_latin_words_separated_by_one_space() -> None:
    assert search_key("Иван  Петров-Иванов") == "ivan petrov ivanov"
    assert search_key("  ЩЕРЮ  Щерев,  № 7 ") == "shteryu shterev no 7"  # compatibility folding: № is "No"
    assert search_key("Ｍａｒｉａ ﬁ") == "maria fi"  # full-width letters and ligatures fold too
    assert search_key("") == ""
    assert search_key(" - . ") == ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Мария", "Mariya"),  # a passport spelling: a near match for trigrams, not the same key
        ("Христо", "Christo"),
        ("Иван Петров", "Ivan Petorv"),  # a typo
    ],
)
def test_the_search_key_does_not_guess_spellings_beyond_the_act(first: str, second: str) -> None:
    assert search_key(first) != search_key(second)
