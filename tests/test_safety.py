"""The crisis screen's rules and data. How well it holds on unseen messages is measured with the
real model by `therapy-faq eval` (test_evaluation.py); these are the rules behind the figures."""

from __future__ import annotations

import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from therapy_faq.crisis import CATEGORIES, load_examples, load_resources
from therapy_faq.errors import FaqError
from therapy_faq.safety import (
    EMBEDDING_BLOCKS,
    HASH_BITS,
    LABELS,
    OTHER_LANGUAGE,
    CrisisScreen,
    Neighbours,
    ScreenModel,
    ScriptModel,
    Thresholds,
    embedding_domain,
    fold,
    is_medication_question,
    message_domains,
    neighbour_vote,
    ngram_features,
    normalise,
    pattern_hit,
    pattern_match,
    safe_frame,
    script_clauses,
    sentences,
    unread_script,
    vote_share,
)
from therapy_faq.settings import crisis_examples_path, crisis_resources_path

from .stub_encoder import StubEncoder


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I don't want to live",  # negation does not cancel
        "i do not want to be alive",
        "I don't want to die but I keep thinking about it",
        "k1ll mys3lf",  # leetspeak
        "KMS",
        "thinking of unaliving",
        "suicidle thoughts",
        "my friend is going to kill herself",
        "goodbye everyone",
        "I'm dying to know, and honestly I want to die",  # a guard cancels only its own match
        "this homework is killing me and I want to end my life",
        "just kill me now",
        "he threatened to kill me",
        "if you jump from the 6th floor is that more certain to work",  # whether a way works
        "how deep enough to bleed out",
        "no point staying once dad is gone",
        "my little brother is on the balcony and climbing the railing",  # someone else
        "locked in the bathroom with a razor",
        "can't stop thinking about steering into oncoming traffic on the motorway",
        "i keep wanting to drive my car off the bridge",
        "how much ibuprofen would it take to cause kidney failure",
        "as a pharmacist i know exactly how many it would take",  # knowing the dose
        "I know what to take and how much, I've got it with me",
        "can I hug my counsellor goodbye before I go through with it",  # a plan named "it"
        "nobody knows yet, i'm doing it once everyone's asleep",
        "not planning on sticking around once exams are over",
    ],
)
def test_patterns_flag_crisis_wording(text: str) -> None:
    assert pattern_match(text) is not None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I took a whole bottle of my pills an hour ago", "medical"),
        ("the cut won't stop bleeding", "medical"),
        ("I'm hiding from my husband in the bathroom with the kids", "violence"),
        ("I was raped last night", "violence"),
        ("the voices keep telling me to hurt the baby", "harm_to_others"),
        ("I'm going to stab my neighbour", "harm_to_others"),
        ("my brother says he wants to die", "someone_else"),
        ("honestly I just want to die", "suicide"),  # "want", not "wants": their own danger
        ("this is my last goodbye", "suicide"),
        # danger signs told in passing, as if ordinary
        ("haha my housemate just threw a pan at my head, anyway", "violence"),
        ("he has just punched me again and went out", "violence"),
        ("my tongue is swelling up since the new tablets", "medical"),
        ("face swollen and wheezing after the wasp sting", "medical"),
        ("bit drowsy after 12 of my sleeping pills, is that normal", "medical"),
        # a knife or a gun turned on someone, in other Latin-script languages
        ("vou esfaquear ele quando chegar em casa", "harm_to_others"),  # Portuguese
        ("lo voy a apuñalar esta noche jajaja", "harm_to_others"),  # Spanish, laughing
        ("je vais le poignarder demain", "harm_to_others"),  # French
        ("ich werde ihn morgen erschießen", "harm_to_others"),  # German, with its ß
        ("sasaksakin ko talaga siya", "harm_to_others"),  # Tagalog
        ("gue mau nusuk dia pake pisau", "harm_to_others"),  # Indonesian
        ("ik ga hem vanavond neersteken", "harm_to_others"),  # Dutch
        ("zadźgam go jutro", "harm_to_others"),  # Polish
        ("onu bıçaklayacağım", "harm_to_others"),  # Turkish, its dotless i
        ("usko chaku maar dunga", "harm_to_others"),  # Hindi in Latin letters
        # the writer's intent against a person, in more Latin-script languages: never "you"
        ("la voy a matar cuando llegue", "harm_to_others"),  # Spanish
        ("quero matá-lo, não aguento mais", "harm_to_others"),  # Portuguese
        ("je vais le tuer ce soir", "harm_to_others"),  # French
        ("ich will meinen Chef umbringen", "harm_to_others"),  # German
        ("voglio ucciderla", "harm_to_others"),  # Italian
        ("ik wil de baby pijn doen", "harm_to_others"),  # Dutch
        ("zabiję go jutro", "harm_to_others"),  # Polish
        ("chci zabít manžela", "harm_to_others"),  # Czech
        ("chcem ho zabiť, už to nevydržím", "harm_to_others"),  # Slovak
        ("o să îl omor", "harm_to_others"),  # Romanian
        ("megölöm a férjem", "harm_to_others"),  # Hungarian
        ("babamı öldürmek istiyorum", "harm_to_others"),  # Turkish
        ("aku mau bunuh dia", "harm_to_others"),  # Indonesian
        ("papatayin ko siya", "harm_to_others"),  # Tagalog
        ("usko jaan se maar dunga", "harm_to_others"),  # Hindi in Latin letters
        ("tôi sẽ giết chồng tôi", "harm_to_others"),  # Vietnamese
        ("i go kill am today", "harm_to_others"),  # Nigerian Pidgin
        ("khochu ubit muzha", "harm_to_others"),  # Russian in Latin letters
        ("3ayez a2tel el modeer", "harm_to_others"),  # Egyptian Arabic in Latin letters
        # ... and their own death stays suicide
        ("bu gece kendimi öldüreceğim", "suicide"),
        ("papatayin ko ang sarili ko", "suicide"),
        ("megölöm magam", "suicide"),
        ("zabiję się", "suicide"),
        # pills taken: the writer's are medical, another person's someone else's
        ("I took all my pills an hour ago and I feel sick", "medical"),
        ("i swallowed a bunch of pills earlier, what do i do", "medical"),
        ("Roommate took all her pills, can't wake her properly", "someone_else"),
        ("my mother rang me sobbing, said she'd taken all her pills", "someone_else"),
        # someone threatening, trying or wanting to kill the writer: violence, not suicide
        ("Meu marido disse que vai me matar hoje, estou trancada no banheiro", "violence"),
        ("ele ameaçou me matar", "violence"),  # Portuguese
        ("mi novio dijo que me va a matar si salgo", "violence"),  # Spanish
        ("me amenazó con matarme anoche", "violence"),
        ("il dit qu'il va me tuer s'il me retrouve", "violence"),  # French
        ("mon copain a menacé de me tuer", "violence"),
        ("mein Mann hat gedroht, mich umzubringen", "violence"),  # German
        ("mio marito ha minacciato di uccidermi", "violence"),  # Italian
        ("mijn man dreigt me te vermoorden", "violence"),  # Dutch
        ("dia mengancam akan membunuhku", "violence"),  # Indonesian
        ("binantaan niya akong papatayin", "violence"),  # Tagalog
        ("grozi, że mnie zabije", "violence"),  # Polish
        ("beni öldürmekle tehdit etti", "violence"),  # Turkish
        ("mein Vater will mich einfach umbringen", "violence"),  # German, words between
        ("will mich einfach nur umbringen", "suicide"),
        # the first person stays suicide, where a form is shared once accents are folded too
        ("eu queria me matar ontem", "suicide"),  # Portuguese "queria": I or she wanted
        ("tenho vontade de me matar", "suicide"),
        ("j'ai essayé de me tuer hier soir", "suicide"),  # French: "I tried"
        ("ho cercato di uccidermi ieri", "suicide"),  # Italian: "I tried"
        ("tomei a cartela toda, isso vai me matar?", "suicide"),  # "will this kill me?"
        ("ça va me tuer? j'ai pris 30 cachets", "suicide"),
        # a drink or a meal spiked by the writer
        ("so I'm putting something in their drinks at lunch", "harm_to_others"),
        ("i'm gonna slip pills into his coffee tomorrow", "harm_to_others"),
    ],
)
def test_patterns_name_their_category(text: str, category: str) -> None:
    hit = pattern_hit(text)
    assert hit is not None and hit.category == category


def test_saying_goodbye_to_a_therapist_is_not_a_goodbye_note() -> None:
    assert pattern_hit("how do I say goodbye to my therapist when we stop?") is None


@pytest.mark.parametrize(
    "text",
    [
        "me quiero morir",  # Spanish
        "ya no quiero vivir",
        "não quero mais viver",  # Portuguese, with its accents
        "quero morrer",
        "hoje eu vou me matar",
        "je veux mourir",  # French
        "ce soir je vais me tuer",
        "ich will nicht mehr leben",  # German
        "voglio morire",  # Italian
        "mujhe marna hai yaar",  # Hindi in Latin letters
        "gusto ko nang mamatay",  # Tagalog
        "aku ingin mati",  # Indonesian
        "I no wan live again",  # Nigerian pidgin
        "bu gece kendimi öldüreceğim",  # Turkish
        "yaşamak istemiyorum artık",
        "chcę umrzeć",  # Polish
        "nie chcę już żyć",
        "ik wil niet meer leven",  # Dutch
        "nataka kufa",  # Swahili
        "nitamuua leo usiku",  # Swahili: "I will kill him tonight"
        "tôi muốn chết",  # Vietnamese
        # the plainest phrases in languages with few examples ("more languages")
        "vreau să mor",  # Romanian
        "Chci umřít",  # Czech
        "zabijem sa",  # Slovak
        "megölöm magam ma este",  # Hungarian
        "jag ska ta livet av mig ikväll",  # Swedish
        "jeg vil ikke leve mere",  # Danish
        "haluan kuolla",  # Finnish
        "tänä iltana mä lopetan mun elämän",  # Finnish: "I end my life"
        "ubiću se večeras",  # Serbian
        "vull morir",  # Catalan
        "ngifuna ukufa",  # Zulu
        "am luat toate pastilele",  # Romanian: every pill taken
        "jag har tagit alla mina tabletter",  # Swedish
        "popila sam sve tablete",  # Croatian
        # word orders and forms a hostile reviewer found missing
        "Dneska se zabiju",  # Czech, the clitic second
        "Megölöm magamat",  # Hungarian
        "Jeg vil bare dø",  # Danish
        "Ja ću se ubiti",  # Croatian
        "Aș vrea să mor",  # Romanian
        "Jeg tok alle pillene mine",  # Norwegian past tense
        "Spolkl jsem celou krabičku prášků",  # Czech genitive
        "M'he pres totes les pastilles",  # Catalan, the apostrophe folded away
        "もう死にたい",  # Japanese, in a script the model does not read
        "明日、屋上から飛び降ります",  # the voicing mark of び is folded on both sides
        "요즘 너무 죽고 싶어요",  # Korean
        "我真的不想活了",  # Chinese
        "Я больше не хочу жить",  # Russian in Cyrillic
        "أريد أن أموت",  # Arabic, with its hamza
        "मैं मरना चाहता हूँ",  # Hindi in Devanagari (the virama is folded on both sides)
    ],
)
def test_patterns_read_other_languages(text: str) -> None:
    assert pattern_match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "my therapist said I'm totally killing it",
        "this homework is killing me",
        "I'd die for a hug",
        "I'm dying to know if therapists cry",
        "do therapists grieve when a client dies",
        "I nearly died of embarrassment",
        "I'm dead tired",
        "this workout will kill me",
        "I want to end it with my therapist, how do I tell her",
        "she killed them with kindness",
        "is it OK to cry in therapy",
        "I suited up for my session",
        "what dose of sertraline is usual",  # a medication question is no crisis pattern
        "me muero de risa",
        "je meurs de faim",
        "ich lach mich tot",
        "vou dar um tiro no escuro e perguntar",  # Portuguese: a shot in the dark
        "je vais planter des tomates cette année",  # French: to plant
        "ich werde sie morgen anrufen",
        "mi jefe me va a matar si llego tarde otra vez",  # killing, not a knife: not this pattern
        # killing time, longing or hunger; "you", the teasing form; numbers after "bring um"
        "vou matar a saudade da minha avó",  # Portuguese: to see her again at last
        "vou matar aula amanhã",  # Portuguese: to skip class
        "voy a matar el tiempo leyendo",  # Spanish
        "je vais tuer le temps en lisant",  # French
        "ich bringe die Kinder um acht ins Bett",  # German
        "ik ga mijn huiswerk afmaken",  # Dutch: to finish
        "ik ga de tijd doden met een boek",
        "seni öldürcem şaka şaka",  # Turkish: "I'll kill you, just kidding"
        "öldürcem seni bi daha geç kalırsan",  # "I'll kill you if you're late again": you, after
        "ya tebya ubyu lol",  # Russian in Latin letters: the same
        "ti ammazzo se mi fai spoiler",  # Italian: the same
        "tôi muốn giết thời gian",  # Vietnamese: to kill time
        # another person's "will kill me", an idiom in each of these languages
        "minha mãe vai me matar se eu chegar tarde kkk",
        "essa prova de cálculo vai me matar kkkkk",
        "ela quer me matar de rir com essas piadas",
        "ma mère va me tuer, j'ai oublié son anniversaire",
        "meine Mutter wird mich umbringen, wenn ich zu spät komme",
        "annem beni öldürecek",  # Turkish: "my mum will kill me"
        "njaa inaniua jamani",  # Swahili: "hunger is killing me"
        "mama ataniua nikichelewa",  # Swahili: "mum will kill me if I'm late"
        "umieram ze śmiechu",  # Polish: dying of laughter
        "ik ga dood van de honger",  # Dutch: dying of hunger
        "아 배고파 죽겠다 ㅋㅋ",  # Korean: "so hungry I could die"
        "笑死我了",  # Chinese: "I'm dying of laughter"
        "死ぬほど眠い",  # Japanese: "sleepy to death"
        "我不想死",  # Chinese: "I don't want to die"
        "Đói muốn chết luôn",  # Vietnamese: "starving to death"
        "Vreau să mor de râs",  # Romanian: to die of laughter
        "nu vreau să mor",  # Romanian: "I don't want to die"
        "chci umřít smíchy",  # Czech: to die of laughter
        "jeg vil dø af grin",  # Danish
        "det tar livet av mig det här jobbet",  # Swedish: "this job is killing me"
        "ne želim umrijeti",  # Croatian: "I don't want to die"
        "Am luat toate cărțile de la bibliotecă",  # Romanian: all the books
        # found by a hostile reviewer: a home or a way of life, idioms, wishes for old age
        "Nechci žít v Praze, je tam draho",  # Czech: not in Prague
        "No vull viure a Barcelona, és massa car",  # Catalan
        "Jeg vil ikke leve mere med ham",  # Danish: not with him
        "Îmi iau viața de la capăt după divorț",  # Romanian: my life over again
        "Nu ska jag ta mitt liv tillbaka",  # Swedish: take my life back
        "Mamma kommer att ta livet av mig om jag kommer hem sent",  # mum will kill me
        "Em vull morir de riure amb aquest vídeo",  # Catalan: to die laughing
        "Ubit ću se od smijeha",  # Croatian
        "Želim umrijeti u dubokoj starosti",  # Croatian: in old age
        "Ba zan kashe kaina ba",  # Hausa: "I won't kill myself"
        "are my meds more likely to work with food",  # a method must be named
        "is a haircut more likely to work than new clothes",
        "no point staying up for the match",
        "my daughter loves climbing the climbing frame",
        "got a new razor for shaving my beard",
        "he whistled with a blade of grass",
        "my brother threw a pillow at me lol",
        "she threw shade at me all through dinner",
        "it just hit me that therapy ends next week",
        "my therapist just hit me with such a hard question",
        "my ex just hit me up after two years",
        "my toddler just hit me with a spoon",
        "my throat is sore and swollen with this cold",
        "my eyes are swollen from crying in session",
        "after 2 of my paracetamol the headache went",
        "after ten sessions of therapy I feel better",
        "we drove off to the lake for the weekend",
        "I drove to the river for a walk after my session",
        "does drinking every night cause liver damage",
        "what's the quickest way to kill mould in the shower grout",  # a means, not for a person
        "best way to kill slugs without pellets?",
        "easiest way to end a session that runs over",
        "I'm dying my jeans black this weekend",  # dye, misspelt
        "i keep dying to the final boss lol",  # a game
        "died like 30 times on that level before I beat it",
        "I know what to take for a migraine",
        "do you know exactly what to take for hay fever?",
        "I'm not planning on seeing her again after the divorce",
        "we went through with the wedding in the end",
        "im putting sugar in their tea",
        "lopetan mun työn ensi kuussa",  # Finnish: I quit my job
    ],
)
def test_patterns_leave_idioms_alone(text: str) -> None:
    assert pattern_match(text) is None


def test_normalise_folds_accents_apostrophes_case_and_repeats() -> None:
    assert normalise("I DON’T wanna  liiiive!!") == "i dont wanna liive"
    assert normalise("k1ll 988") == "kill 988"
    assert normalise("Não quero") == "nao quero"
    assert fold("sooo sad 😭😭😭😭") == "soo sad 😭😭"  # emoji are kept for the n-grams


def test_sentences_split_long_messages_and_keep_the_last_clause() -> None:
    assert sentences("just one question here") == []
    parts = sentences("My session went fine. But honestly, I feel like giving up on everything.")
    assert parts == ["My session went fine.", "But honestly, I feel like giving up on everything."]
    long = " ".join(f"Sentence number {i} is here." for i in range(30)) + " I have the pills."
    clauses = sentences(long)
    assert len(clauses) == 12 and clauses[-1] == "I have the pills."


def test_ngram_features_are_deterministic_normalised_and_see_emoji() -> None:
    columns, values = ngram_features("i relapsed 🔪🩸")
    again = ngram_features("i relapsed 🔪🩸")
    assert np.array_equal(columns, again[0]) and np.array_equal(values, again[1])
    assert columns.max() < 1 << HASH_BITS
    assert np.linalg.norm(values) == pytest.approx(1.0, abs=1e-5)
    plain = set(ngram_features("i relapsed")[0].tolist())
    assert set(columns.tolist()) - plain  # the emoji add columns of their own


URGENT, CONCERN, ORDINARY = np.eye(3, dtype=np.float32)


def _model(first: str = "urgent:medical", second: str = "concern") -> ScreenModel:
    """A hand-made screen over 3-dimensional embeddings: the first axis votes `first`, the
    second `second`; with neither, a message is ordinary."""
    hashed = 1 << HASH_BITS
    weights = np.zeros((hashed + EMBEDDING_BLOCKS * 3 + 1, len(LABELS)), dtype=np.float32)
    weights[hashed + 0, LABELS.index(first)] = 12.0
    weights[hashed + 1, LABELS.index(second)] = 12.0
    weights[-1, LABELS.index("none")] = 5.0
    limits = Thresholds(
        urgent=0.5, pattern_urgent=0.1, concern=0.5, clause_urgent=0.9, script_urgent=0.5
    )
    return ScreenModel(weights, 3, limits)


def test_messages_in_another_language_are_read_by_their_own_embedding_block() -> None:
    """Weights in the block of another language move a Spanish message, never an English one;
    a clause, too short for the detector, is read in its message's block."""
    alone = _model()
    weights = np.array(alone.weights)
    other = (1 << HASH_BITS) + OTHER_LANGUAGE * 3
    weights[other + 2, LABELS.index("urgent:suicide")] = 12.0  # third axis, Spanish only
    screen = CrisisScreen(ScreenModel(weights, 3, alone.thresholds))
    third = np.array([[0, 0, 1]], dtype=np.float32)
    spanish = "Esta noche voy a terminar mi ensayo para la universidad, ya lo decidí."
    english = "Tonight I will finish my essay for university, I have decided."
    assert embedding_domain(spanish) == OTHER_LANGUAGE != embedding_domain(english)
    assert screen.assess(spanish, third, clauses=[]).level == "urgent"
    assert screen.assess(english, third, clauses=[]).level == "none"
    clauses = ["ya lo decidí."]
    assert message_domains([(spanish, clauses)]).tolist() == [OTHER_LANGUAGE] * 2
    clause_alone = ScreenModel(weights, 3, alone.thresholds).probabilities(clauses, third)
    in_message = ScreenModel(weights, 3, alone.thresholds).probabilities(
        clauses, third, message_domains([(spanish, clauses)])[1:]
    )
    assert in_message[0, 2:].sum() > 0.9 > clause_alone[0, 2:].sum()


def test_the_decision_between_urgent_concern_and_nothing() -> None:
    screen = CrisisScreen(_model())
    verdict = screen.assess("some message", URGENT[None, :])
    assert verdict.level == "urgent" and verdict.category == "medical"
    assert verdict.layer == "classifier"
    assert screen.assess("some message", CONCERN[None, :]).level == "concern"
    assert screen.assess("what a nice day", ORDINARY[None, :]).level == "none"
    # A pattern, with the classifier sure the message is ordinary: the concern line.
    verdict = screen.assess("I want to kill myself", ORDINARY[None, :] * 2)
    assert verdict.level == "concern" and verdict.layer == "pattern"
    # A pattern, with the classifier not ruling danger out (p 0.19): urgent, in the pattern's
    # category, although the classifier alone would not have made it urgent.
    unsure = (0.3 * URGENT + ORDINARY)[None, :]
    assert screen.assess("some message", unsure).level == "none"
    verdict = screen.assess("I want to kill myself", unsure)
    assert verdict.level == "urgent" and verdict.category == "suicide"


def test_the_nearest_examples_vote_and_the_nearest_count_most() -> None:
    votes = np.zeros((4, len(LABELS)), dtype=np.float32)
    votes[0, LABELS.index("urgent:suicide")] = 2.0  # an urgent row, weighted by its level
    votes[1:, LABELS.index("none")] = 1.0
    similarities = np.array([[0.9, 0.5, 0.5, 0.5], [0.1, 0.8, 0.7, 0.6]], dtype=np.float32)
    probs = neighbour_vote(similarities, votes, k=2, temperature=40.0)
    assert probs.shape == (2, len(LABELS)) and np.allclose(probs.sum(axis=1), 1.0)
    assert probs[0, LABELS.index("urgent:suicide")] > 0.99  # much nearer than the runner-up
    assert probs[1, LABELS.index("none")] == pytest.approx(1.0)  # row 0 is not among its 2
    flat = neighbour_vote(similarities, votes, k=4, temperature=0.0)  # every row votes alike
    assert flat[1, LABELS.index("urgent:suicide")] == pytest.approx(2 / 5)


def _voting(share: float, model: ScreenModel | None = None) -> ScreenModel:
    """`_model()` with three examples that vote against it: the one at URGENT's place was
    ordinary, the one at ORDINARY's place urgent (violence)."""
    alone = model or _model()
    votes = np.zeros((3, len(LABELS)), dtype=np.float32)
    votes[0, LABELS.index("none")] = 1.0
    votes[1, LABELS.index("concern")] = 1.0
    votes[2, LABELS.index("urgent:violence")] = 1.0
    vote = Neighbours(np.eye(3, dtype=np.float32), votes, 1, 40.0, share, (0.4, 0.6))
    return ScreenModel(alone.weights, 3, alone.thresholds, vote)


def test_a_batch_is_judged_as_each_message_alone() -> None:
    """`ask -` screens a batch in one product: the same verdicts as one message at a time,
    each message with its own clauses."""
    screen = CrisisScreen(_voting(0.35))
    long = "I have a question about crying. My therapist is kind. Also, zq."
    messages = [
        ("some message", [], URGENT[None, :]),
        (long, sentences(long), np.stack([ORDINARY, ORDINARY, ORDINARY, URGENT])),
        ("what a nice day", [], ORDINARY[None, :]),
        ("I want to kill myself", [], (0.3 * URGENT + ORDINARY)[None, :]),
    ]
    alone = [screen.assess(text, vectors, clauses) for text, clauses, vectors in messages]
    together = screen.assess_many(
        [(text, clauses) for text, clauses, _ in messages],
        np.concatenate([vectors for _, _, vectors in messages]),
    )
    assert together == alone
    assert [(v.level, v.category) for v in together] == [
        ("urgent", "medical"),
        ("concern", "medical"),  # one leaning clause, under the 0.9 a clause needs alone
        ("none", None),
        ("urgent", "suicide"),
    ]


def test_a_phrase_of_ones_own_danger_quoted_of_someone_else_gets_their_panel() -> None:
    """A suicide or medical pattern takes the someone-else category when the classifier reads
    the message as someone else's danger; never another category, nor in another script."""
    screen = CrisisScreen(_model("urgent:someone_else", "urgent:suicide"))
    theirs, own = URGENT[None, :], CONCERN[None, :]  # the classifier's someone-else, suicide
    quoted = "my best friend just texted me goodbye and now she is not answering her phone"
    assert pattern_hit(quoted).category == "suicide"  # type: ignore[union-attr]
    assert screen.assess(quoted, theirs).category == "someone_else"
    assert screen.assess(quoted, own).category == "suicide"
    pills = "my dad took all his heart pills and is slurring"
    assert pattern_hit(pills).category == "medical"  # type: ignore[union-attr]
    assert screen.assess(pills, theirs).category == "someone_else"
    threat = "i am going to kill him tonight"  # harm to others stays what it is
    assert screen.assess(threat, theirs).category == pattern_hit(threat).category  # type: ignore[union-attr]
    russian = "хочу умереть"  # a script the classifier cannot read: the phrase decides
    assert screen.assess(russian, theirs).category == "suicide"


def test_the_vote_is_blended_with_the_classifier_by_its_share() -> None:
    """The vote can make urgent what the linear classifier alone would not, and the reverse."""
    assert CrisisScreen(_voting(0.0)).assess("some message", URGENT[None, :]).level == "urgent"
    assert CrisisScreen(_voting(0.6)).assess("some message", URGENT[None, :]).level == "none"
    verdict = CrisisScreen(_voting(0.6)).assess("what a nice day", ORDINARY[None, :])
    assert verdict.level == "urgent" and verdict.category == "violence"
    with pytest.raises(ValueError, match="do not fit"):
        vote = _voting(0.5).neighbours
        assert vote is not None
        ScreenModel(_model().weights, 3, _model().thresholds, replace(vote, near=(0.6, 0.4)))


def _many_rows(rows: int = 600, dimension: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Random unit rows, and one-hot votes over every label."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(rows, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    votes = np.eye(len(LABELS), dtype=np.float32)[rng.integers(0, len(LABELS), rows)]
    return vectors, votes


def test_the_vote_read_through_candidates_is_the_vote_over_every_row() -> None:
    """The candidates of a projection that keeps every axis hold each text's exact ten nearest:
    the vote, its nearest cosine and the blend are those of the full product."""
    vectors, votes = _many_rows()
    projection = np.linalg.svd(vectors, full_matrices=False)[2].T.astype(np.float32)
    full = Neighbours(vectors, votes, 10, 40.0, 0.35, (0.4, 0.6))
    projected = replace(
        full, projection=projection, reduced=(vectors @ projection).T.copy(), candidates=64
    )
    texts = np.random.default_rng(8).normal(size=(5, 16)).astype(np.float32)
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)
    similarities, chosen = projected.nearest(texts)
    assert similarities.shape == (5, 64) and chosen.shape == (5, 64, len(LABELS))
    assert similarities.max(axis=1) == pytest.approx((texts @ vectors.T).max(axis=1))
    assert projected.probabilities(texts) == pytest.approx(full.probabilities(texts), abs=1e-5)
    probs = np.full((5, len(LABELS)), 1 / len(LABELS), dtype=np.float32)
    assert projected.blend(probs, texts) == pytest.approx(full.blend(probs, texts), abs=1e-5)


def test_a_projection_that_does_not_fit_the_rows_is_refused() -> None:
    vectors, votes = _many_rows()
    model = _model()
    good = Neighbours(vectors[:, :3].copy(), votes, 10, 40.0, 0.35, (0.4, 0.6))
    ScreenModel(model.weights, 3, model.thresholds, good)
    for bad in (
        replace(good, projection=np.eye(3, dtype=np.float32)),  # without the projected rows
        replace(good, projection=np.eye(3, 2, dtype=np.float32), reduced=np.ones((2, 5))),
        replace(good, candidates=5),  # fewer candidates than voters
    ):
        with pytest.raises(ValueError, match="do not fit"):
            ScreenModel(model.weights, 3, model.thresholds, bad)


def test_a_message_far_from_every_example_gets_no_vote() -> None:
    """Normalised over its voters, the vote of far examples would be as sure as that of near
    ones: below a cosine of 0.4 to the nearest, the classifier decides alone."""
    model = _voting(0.6)
    assert model.neighbours is not None
    assert vote_share(np.array([0.3, 0.5, 0.9]), 0.6, (0.4, 0.6)) == pytest.approx([0, 0.3, 0.6])
    screen = CrisisScreen(model)
    assert screen.assess("what a nice day", ORDINARY[None, :]).level == "urgent"  # near: votes
    assert screen.assess("what a nice day", 0.3 * ORDINARY[None, :]).level == "none"  # far
    halfway = 0.5 * ORDINARY[None, :]  # a similarity of 0.5: half the share
    scaled = model.neighbours.blend(model.classifier_probabilities(["x"], halfway), halfway)
    alone = model.classifier_probabilities(["x"], halfway)
    voted = model.neighbours.probabilities(halfway)
    assert scaled == pytest.approx(0.7 * alone + 0.3 * voted)


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("I'm not suicidal, just tired of my job", True),
        ("No, I'm not thinking about ending my life, I'm ending my lease", True),
        ("I don't want to die, I want to know if crying is normal", True),
        ("I won't kill myself, I promise", True),
        # The words between the negation and the match keep the danger open.
        ("I can't stop thinking about killing myself", False),
        ("I don't know why I want to kill myself", False),
        ("no one would care if I killed myself", False),
        ("not gonna lie, I want to die", False),
        ("not gonna lie i want to die", False),
        ("I'm not okay. I'm suicidal", False),  # the negation is in another sentence
        ("it's not that I want to die, I want it all to stop", False),  # a correction
        ("I don't want to die exactly, I want to disappear", False),
        ("he made me promise not to hurt myself", False),
        ("I don't want to live anymore", False),  # the pattern holds the negation itself
        ("I'm not suicidal. Actually I want to kill myself", False),  # one clause is enough
        # A conjunction ends the negation's reach.
        ("I'm not suicidal but I want to die", False),
        ("my roommate isn't home and I just took a bunch of pills", False),
        ("I have no plans and no intention to kill myself", True),  # the second "no" is near
        # Portuguese "no" is "in the"; Spanish "no" denies
        ("estou no telhado vou me matar", False),
        ("no quarto vou me matar", False),
        ("no, no quiero morir, solo estoy cansada", True),
        ("No já už prostě chci umřít", False),  # Czech "no": well
        ("Esmu tik noguris no visa gribu nomirt", False),  # Latvian "no": from
        # The negations of the other languages the patterns read
        ("relaxa mae, eu nunca vou me matar", True),
        ("não tô pensando em me matar, só cansada", True),
        ("ich denke nicht an selbstmord, nur stress", True),
        ("ik denk al jaren niet meer aan zelfmoord", True),
        ("nie zabije sie, spokojnie", True),
        ("aku gak bakal bunuh diri kok", True),
        ("hindi ko na naiisip magpakamatay", True),
        ("jag skulle aldrig begå självmord", True),
        ("je vais pas me tuer, je suis juste crevée", True),  # French "pas", read as French
        ("non penso più al suicidio da anni", True),
        ("siwazi tena kujiua", True),
        ("intiharı düşünmüyorum artık", True),  # Turkish denies after the word
        # ... and what keeps them open: "I can't take it", "I don't know why"
        ("não aguento mais vou me matar", False),
        ("ya no aguanto me voy a matar", False),
        ("ich kann nicht mehr, ich will sterben", False),
        ("nao sei porque mas quero morrer", False),
        ("ik wil nu dood", False),  # Dutch "nu" is "now", not Romanian "not"
        # A question reported is not a statement, unless the answer keeps it open
        ("my therapist asked if I ever thought about killing myself. I haven't", True),
        ("o médico perguntou se eu quero morrer. não quero", True),
        ("meine Therapeutin hat gefragt, ob ich Suizidgedanken habe. Nein", True),
        ("läkaren frågade om jag vill dö. nej, jag vill inte dö", True),
        ("the counsellor asked if i'd thought about killing myself and i said no. i lied", False),
        ("she asked if I was ok, I said I want to kill myself", False),
        ("nobody ever told me I want to kill myself is a symptom", False),
        ("my GP asked whether I had thoughts of ending my life. I have not", True),
        # Medicine taken as every day is the daily dose, unless all at once
        ("I took all my pills this morning as usual, can I have coffee?", True),
        ("am luat toate pastilele azi dimineață, ca de obicei", True),
        ("I took all my pills at once, not as usual", False),
        ("I took all my pills together tonight like always", False),
    ],
)
def test_a_match_inside_a_negation_is_marked_denied(text: str, negated: bool) -> None:
    hit = pattern_hit(text)
    assert hit is not None and hit.negated is negated


@pytest.mark.parametrize(
    "text",
    [
        "what's the easiest way to kill myself",
        "least painful way to die?",
        "quickest way to end it",
        "i keep dying inside and i dont want to be here",
    ],
)
def test_means_and_wishes_still_match_beside_their_new_guards(text: str) -> None:
    hit = pattern_hit(text)
    assert hit is not None and hit.live


@pytest.mark.parametrize(
    ("text", "historic"),
    [
        ("I tried to kill myself when I was 17. I'm 40 now and happy.", True),
        ("My uncle died by suicide decades ago; how do I talk to my kids about him?", True),
        ("I cut my arms as a teenager and the scars are white now", True),
        ("I overdosed in 2009, got sober after that and never looked back", True),
        ("6 years clean from self harm and proud of it", True),
        # Something current in the message keeps the match live.
        ("I tried to kill myself when I was 17 and I'm going to do it again tonight", False),
        ("Years ago I overdosed. Lately I've been saving my pills again", False),
        ("I self-harmed as a teen and relapsed last night", False),
        ("I tried to kill myself years ago and I still want to die", False),
        ("I want to kill myself", False),  # no time at all
        ("I'm going back in to the bathroom with the razor, I'll cut myself", False),
        # The anchor must be in the clause that matches.
        ("When I was 12 we moved house. Now I want to kill myself", False),
    ],
)
def test_a_match_told_as_past_is_marked_historic(text: str, historic: bool) -> None:
    hit = pattern_hit(text)
    assert hit is not None and hit.historic is historic and hit.live is not historic


def test_history_told_as_past_gets_help_but_only_the_classifier_makes_it_urgent() -> None:
    screen = CrisisScreen(_model())
    unsure = (0.3 * URGENT + ORDINARY)[None, :]  # urgent for a live match, as above
    past = "I tried to kill myself when I was 19 and I'm doing well now"  # one clause
    verdict = screen.assess(past, unsure)
    assert verdict.level == "concern" and verdict.category == "suicide"
    assert screen.assess(past, URGENT[None, :]).level == "urgent"
    assert screen.assess(past, ORDINARY[None, :] * 2).level == "concern"


def test_thinking_about_killing_myself_is_the_writers_own_danger() -> None:
    for text in ("I can't stop thinking about killing myself", "I'm thinking about suicide"):
        assert pattern_hit(text).category == "suicide"  # type: ignore[union-attr]
    assert pattern_hit("my friend is thinking about suicide").category == "someone_else"  # type: ignore[union-attr]
    assert pattern_hit("he threatened to kill me").category == "violence"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        ("薬を全部飲みました。さよなら。", True),
        ("상담 끝나고 선생님이랑 포옹해도 되나요?", True),
        ("Я хочу умереть", True),
        ("is it ok to cry in therapy", False),
        ("tôi muốn chết", False),  # Vietnamese: Latin letters, whatever the accents
        ("my therapist said 加油 to me", False),  # mostly Latin
        ("😭😭", False),  # no letters
    ],
)
def test_messages_in_scripts_the_model_does_not_read_are_told_apart(text, unread) -> None:
    assert unread_script(text) is unread


def test_in_a_script_the_model_does_not_read_only_a_pattern_is_urgent() -> None:
    """The classifier's scores on such a message are noise: a match is urgent whatever they
    say, and without one the message is never urgent but always shows help, with the general
    lines (the classifier's category is a guess there too)."""
    screen = CrisisScreen(_model())
    sure_ordinary, sure_urgent = ORDINARY[None, :] * 2, URGENT[None, :]
    assert screen.assess("もう死にたい、限界です", sure_ordinary).level == "urgent"
    for vectors in (sure_urgent, sure_ordinary):
        verdict = screen.assess("오늘 밤에 모든 걸 끝낼 거예요", vectors)
        assert (verdict.level, verdict.layer, verdict.category) == ("concern", "unread", None)
    latin = "Dạo này tôi muốn chết lắm"  # Vietnamese: the classifier weighs the match
    assert screen.assess(latin, sure_ordinary).level == "concern"
    assert screen.assess("is it ok to cry in therapy", sure_ordinary).level == "none"


def _script_model(urgent_words: dict[str, str]) -> ScriptModel:
    """A hand-made classifier of other scripts: each word given votes urgent in its category
    (through its whole-word feature); anything else is ordinary."""
    weights = np.zeros(((1 << HASH_BITS) + 1, len(LABELS)), dtype=np.float32)
    weights[-1, LABELS.index("none")] = 3.0
    for word, category in urgent_words.items():
        column = zlib.crc32(("t" + normalise(word)).encode()) & ((1 << HASH_BITS) - 1)
        weights[column, LABELS.index(f"urgent:{category}")] = 40.0
    return ScriptModel(weights)


def test_in_other_scripts_their_own_classifier_can_make_a_message_urgent() -> None:
    """Without a phrase, the classifier of other scripts decides urgent, in its own category;
    below its threshold the message still shows help, with the line that nothing here reads
    it. It reads each clause too, and never speaks for a message in Latin letters."""
    alone = _model()
    model = ScreenModel(
        alone.weights, 3, alone.thresholds, script=_script_model({"отчима": "harm_to_others"})
    )
    screen = CrisisScreen(model)
    sure_ordinary = ORDINARY[None, :] * 2
    verdict = screen.assess("Я поговорю с отчимом сегодня вечером", sure_ordinary)
    assert (verdict.level, verdict.layer) == ("concern", "unread")
    verdict = screen.assess("Сегодня вечером я накажу отчима", sure_ordinary)
    assert (verdict.level, verdict.layer, verdict.category) == (
        "urgent",
        "script",
        "harm_to_others",
    )
    long = "Привет. Как дела у тебя на работе? Я всё решил. Сегодня вечером я накажу отчима."
    assert model.script is not None and len(script_clauses(long)) == 4
    whole = float(model.script.probabilities([long])[0, 2:].sum())
    assert model.script.urgent(long)[0] > whole + 0.1  # its last clause, undiluted
    assert screen.assess(long, sure_ordinary, clauses=[]).level == "urgent"
    assert screen.assess("my therapist said отчима", sure_ordinary).level == "none"


def test_without_examples_in_other_scripts_only_phrases_speak_there() -> None:
    from therapy_faq.screen_training import script_weight_matrix

    script = ScriptModel(script_weight_matrix(None))
    assert script.urgent("Сегодня вечером я накажу отчима")[0] < 1e-6


def test_a_denied_match_is_left_to_the_classifier_but_still_shows_help() -> None:
    screen = CrisisScreen(_model())
    unsure = (0.3 * URGENT + ORDINARY)[None, :]  # p(urgent) 0.19: urgent with a live match
    assert screen.assess("I want to kill myself", unsure).level == "urgent"
    verdict = screen.assess("I'm not suicidal", unsure)
    assert verdict.level == "concern" and verdict.layer == "pattern"
    assert screen.assess("I'm not suicidal", URGENT[None, :]).level == "urgent"


@pytest.mark.parametrize(
    ("text", "framed"),
    [
        ("Nursing student here: how is suicide risk assessed in A&E?", True),
        ("As a paramedic I see a lot of overdoses. How do I switch off?", True),
        ("I'm writing a novel where the hero's brother kills himself", True),
        ("What are the risk factors for suicide in older men?", True),
        ("I could die of embarrassment, I called her mum", True),
        ("I want to kill myself", False),
        # Laughter is no frame: people in danger joke too (out of fold, "lol", "haha", "jk",
        # and 😂 or 💀 as frames took help from crises at every floor tried).
        ("ngl kinda excited to finally kms on friday lmao", False),
        ("haha whatever, gonna jump off the bridge after work", False),
        ("i nearly killed myself laughing at my therapist's dog", False),
        ("I'm going to walk into traffic tonight", False),
        ("my heart rate is really fast after the pills", False),
        ("I wrote my goodbye letter and I'm ready", False),
    ],
)
def test_a_safe_frame_is_study_work_fiction_or_a_joke(text: str, framed: bool) -> None:
    assert safe_frame(text) is framed


def test_a_framed_match_the_classifier_reads_as_safe_shows_nothing() -> None:
    limits = replace(_model().thresholds, framed_floor=0.3)
    screen = CrisisScreen(ScreenModel(_model().weights, 3, limits))
    essay = "For my essay: why do suicide rates rise in spring?"
    assert screen.assess(essay, ORDINARY[None, :] * 2).level == "none"
    # Unframed, the same match keeps the line; so does a framed one the classifier doubts.
    plain = "Why does suicide come up so much in spring?"
    assert screen.assess(plain, ORDINARY[None, :] * 2).level == "concern"
    assert screen.assess(essay, CONCERN[None, :]).level in {"concern", "urgent"}
    assert screen.assess(essay, URGENT[None, :]).level == "urgent"
    # History told as past keeps its line (concern), framed or not.
    past = "Back in uni I overdosed once, lol, I'm fine now"
    assert pattern_hit(past) is not None and pattern_hit(past).historic  # type: ignore[union-attr]
    assert screen.assess(past, ORDINARY[None, :] * 2).level == "concern"
    # At the floor 0 (the default), every match shows help.
    assert CrisisScreen(_model()).assess(essay, ORDINARY[None, :] * 2).level == "concern"


def test_an_idiom_the_classifier_reads_as_safe_shows_nothing() -> None:
    limits = replace(_model().thresholds, pattern_floor=0.3, framed_floor=0.3)
    screen = CrisisScreen(ScreenModel(_model().weights, 3, limits))
    idiom = "This traffic wan kill me o, I don late for my appointment"
    assert pattern_hit(idiom) is not None
    assert screen.assess(idiom, ORDINARY[None, :] * 2).level == "none"
    # The classifier in doubt keeps the line; in no doubt, the panel.
    assert screen.assess(idiom, CONCERN[None, :]).level in {"concern", "urgent"}
    assert screen.assess("kill me now, honestly", URGENT[None, :]).level == "urgent"
    # A bare message (a few words: nothing around the match to weigh) stays urgent, and a
    # history told as past keeps its line, however safe the classifier reads them.
    assert screen.assess("kms", ORDINARY[None, :] * 2).level == "urgent"
    past = "Back in uni I overdosed once, I'm fine now"
    assert screen.assess(past, ORDINARY[None, :] * 2).level == "concern"
    # At the floor 0, the same idiom keeps the line.
    assert CrisisScreen(_model()).assess(idiom, ORDINARY[None, :] * 2).level == "concern"


def test_any_clause_of_a_long_message_can_make_it_urgent() -> None:
    screen = CrisisScreen(_model())
    message = "I have a question about crying in sessions. My therapist is kind. Also, zq."
    clauses = sentences(message)
    vectors = np.stack([ORDINARY, ORDINARY, ORDINARY, URGENT])
    assert len(clauses) == 3
    assert screen.assess(message, vectors[:1], clauses=[]).level == "none"
    assert screen.assess(message, vectors, clauses).level == "urgent"


def test_a_clause_alone_needs_more_certainty_than_a_message() -> None:
    """Read without its message, a clause ("am I doing it wrong?") can look like a plan."""
    screen = CrisisScreen(_model())  # urgent 0.5 for a message, 0.9 for a clause
    leaning = 0.45 * URGENT  # p(urgent) about 0.6
    message = "I have a question about crying in sessions. Am I doing it wrong?"
    clauses = sentences(message)
    assert screen.assess(message, np.stack([leaning, ORDINARY, ORDINARY]), []).level == "urgent"
    assert screen.assess(message, np.stack([ORDINARY, ORDINARY, leaning]), clauses).level != (
        "urgent"
    )


@pytest.mark.parametrize(
    ("text", "medication"),
    [
        ("what dose of sertraline is usual", True),
        ("can I drink alcohol on antidepressants", True),
        ("is 50 mg a lot", True),
        ("is it ok to cry in therapy", False),
    ],
)
def test_medication_questions(text: str, medication: bool) -> None:
    assert is_medication_question(text) is medication


# --- the data ------------------------------------------------------------------------------


def test_every_category_has_its_help_with_the_emergency_number_first() -> None:
    resources = load_resources(crisis_resources_path())
    needed = {
        "suicide": ("988", "116 123", "741741", "85258", "findahelpline.com"),
        "medical": ("1-800-222-1222", "111"),
        "violence": (
            "1-800-799-7233",
            "88788",
            "1-800-656-4673",
            "1-800-422-4453",
            "0808 2000 247",
            "0800 1111",
        ),
        "harm_to_others": ("988", "116 123"),
        "someone_else": ("988", "116 123"),
    }
    for category in CATEGORIES:
        lines = resources.lines(category)
        assert lines[0].name == "Emergency services" and "911" in lines[0].contact
        text = " ".join(r.contact for r in lines)
        for number in needed[category]:
            assert number in text, (category, number)
        payload = resources.to_json(category, "urgent")
        assert payload["category"] == category and payload["level"] == "urgent"
        assert payload["resources"][0]["name"] == "Emergency services"
    assert "not a person or a crisis service" in resources.notice
    assert "988" in resources.disclaimer and "findahelpline.com" in resources.disclaimer


def test_resources_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "crisis.yaml"
    bad.write_text("last_checked: yesterday\ntitle: Help\n", encoding="utf-8")
    with pytest.raises(FaqError) as caught:
        load_resources(bad)
    message = str(caught.value)
    for field in ("last_checked", "notice", "categories", "emergency"):
        assert field in message
    shipped = crisis_resources_path().read_text(encoding="utf-8")
    without_medical = shipped.replace("\n  medical:\n", "\n  medical_removed:\n")
    bad.write_text(without_medical, encoding="utf-8")
    with pytest.raises(FaqError, match="categories"):
        load_resources(bad)


def test_examples_are_many_labelled_and_in_many_voices_and_languages() -> None:
    examples = load_examples(crisis_examples_path())
    assert len(examples.crisis) >= 1000 and len(examples.ordinary) >= 2000
    for category in CATEGORIES:
        assert sum(e.category == category for e in examples.crisis) >= 50, category
    voices = {e.voice for e in examples.crisis}
    assert {"teen", "older", "non_native", "typos", "emoji", "long", "relative"} <= voices
    languages = {"spanish", "portuguese", "french", "german", "italian", "hinglish", "tagalog"}
    assert languages <= voices
    assert languages <= {e.voice for e in examples.ordinary}


def test_examples_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "examples.yaml"
    bad.write_text(
        "examples:\n  - {text: hi, level: none, category: suicide, voice: plain, kind: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(FaqError, match="category must be 'none'"):
        load_examples(bad)


LABEL = "voice: plain, kind: test"


LABEL = "voice: plain, kind: test"


def test_the_screen_is_trained_once_per_examples_file_and_model(tmp_path: Path) -> None:
    from therapy_faq.screen_training import trained_screen

    examples_path = tmp_path / "examples.yaml"
    lines = ["examples:"]
    for i in range(6):
        lines.append(f"  - {{text: 'zq crisis {i}', level: urgent, category: suicide, {LABEL}}}")
        lines.append(f"  - {{text: 'ordinary words {i}', level: none, category: none, {LABEL}}}")
    examples_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    examples = load_examples(examples_path)
    encoder = StubEncoder()
    first = trained_screen(examples, "sha-a", encoder, encoder.fingerprint())
    calls = encoder.calls
    assert trained_screen(examples, "sha-a", encoder, encoder.fingerprint()) == first
    assert encoder.calls == calls  # cached: nothing encoded again
    other = trained_screen(examples, "sha-b", encoder, encoder.fingerprint())
    assert other != first and encoder.calls > calls
    model = ScreenModel.load(first)
    assert model.neighbours is not None
    assert model.neighbours.vectors.shape == (12, StubEncoder.dimension)  # one per example
    vectors = encoder.encode(["zq crisis 9", "ordinary words 9"])
    probs = model.probabilities(["zq crisis 9", "ordinary words 9"], vectors)
    assert probs[0, 2:].sum() > 0.5 > probs[1, 2:].sum()
    voted = model.neighbours.probabilities(vectors)
    assert voted[0, 2:].sum() > 0.5 > voted[1, 2:].sum()


def test_the_weights_read_at_question_time_are_the_trained_model_in_every_domain() -> None:
    """The screen reads the weights with the scales of training folded in: its probabilities
    are scikit-learn's for messages in English, in another language and in none sure."""
    from therapy_faq.screen_training import features, fit, weight_matrix

    texts = [
        "I have decided to end my life tonight, I am sorry for everything.",
        "Is it normal to cry in every therapy session with my counsellor?",
        "He decidido terminar con mi vida esta noche, lo siento por todo.",
        "¿Es normal llorar en cada sesión de terapia con mi psicóloga?",
        "yaar aaj raat sab khatam kar dunga",
        "bhai kal milte hai chai pe",
    ]
    labels = np.array([LABELS.index("urgent:suicide"), 0] * 3)
    domains = message_domains([(t, []) for t in texts])
    assert sorted(set(domains.tolist())) == [0, 1, 2]
    vectors = StubEncoder().encode(texts)
    matrix = features(texts, vectors, 2.0, domains, domain_weight=0.5)
    model = fit(matrix, labels, tolerance=1e-8)
    weights = weight_matrix(model, StubEncoder.dimension, 2.0, domain_weight=0.5)
    screen = ScreenModel(weights, StubEncoder.dimension, _model().thresholds)
    expected = np.zeros((len(texts), len(LABELS)))
    expected[:, model.classes_] = model.predict_proba(matrix)
    read = screen.classifier_probabilities(texts, vectors, domains)
    assert read == pytest.approx(expected, abs=1e-4)


def test_a_change_to_the_patterns_trains_the_screen_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classifier reads the patterns' verdict as features: a cached screen trained with
    other patterns must not be reused."""
    from therapy_faq import safety
    from therapy_faq.screen_training import screen_key

    before = screen_key("sha-a", "model", 3)
    languages = {**safety.LANGUAGES, "esperanto": ("suicide", r"\bmi volas morti\b")}
    monkeypatch.setattr(safety, "LANGUAGES", languages)
    assert screen_key("sha-a", "model", 3) != before


def test_a_change_to_what_denies_a_match_trains_the_screen_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A denial is a feature too ("denied"): a new negation word changes what the classifier
    was trained on, though no pattern changed."""
    from therapy_faq import safety
    from therapy_faq.screen_training import screen_key

    before = screen_key("sha-a", "model", 3)
    monkeypatch.setattr(safety, "_OTHER_NEGATION", (*safety._OTHER_NEGATION, "ne"))
    safety._negation.cache_clear()
    try:
        assert screen_key("sha-a", "model", 3) != before
    finally:
        monkeypatch.undo()
        safety._negation.cache_clear()
    assert screen_key("sha-a", "model", 3) == before


SCRIPT_CASES = yaml.safe_load(
    (Path(__file__).parent / "script_phrase_cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("language", sorted(SCRIPT_CASES))
def test_phrases_in_scripts_the_model_does_not_read(language: str) -> None:
    """Each category's crisis message is caught, with that category or as suicide (a phrase
    of the writer's own danger inside someone else's words), or, for someone else being
    beaten, as violence (whose lines are theirs); the idioms are left alone."""
    cases = SCRIPT_CASES[language]
    for case in cases["must_match"]:
        assert unread_script(case["text"]), case["text"]
        hit = pattern_hit(case["text"])
        assert hit is not None, case["text"]
        allowed = {case["category"], "suicide"}
        if case["category"] == "someone_else":
            allowed.add("violence")
        assert hit.category in allowed, (case["text"], hit.category)
    caught = {pattern_hit(c["text"]).category for c in cases["must_match"]}  # type: ignore[union-attr]
    assert caught >= {"medical", "violence", "harm_to_others"}, language
    for text in cases["must_not_match"]:
        assert pattern_hit(text) is None, text


def test_vowel_signs_are_kept_so_that_words_stay_apart() -> None:
    """पीट (beat) and पेट (stomach) differ only by a vowel sign, which is not a word character."""
    assert normalise("पीट रहा") != normalise("पेट रहा")
    assert pattern_hit("मेरी माँ को पेट में दर्द है") is None
