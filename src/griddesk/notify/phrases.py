"""Notifications in the reader's language (issue 9: no Chinese left on an English page).

A message is written once, in the site's language (an SMS goes out in Chinese), and read by staff
who may read English. So a notification is composed as a `Phrase`: a catalogue entry (marked with
`gettext_noop`) and its values, where a value is data (a number, a name, an address: shown as
entered), a `Label` (a catalogue entry of its own: 催办, 故障报修, 系统) or another Phrase. The
message keeps its text as sent and the phrase beside it (`Message.recipe`); a console page renders
the phrase in the reader's language (`Message.shown_subject`, `shown_body`).

The source strings are Chinese, so a label's text in the site's language is its catalogue id.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


class Label(str):
    """A value that is itself a catalogue entry: shown translated."""

    def shown(self):
        return gettext(str.__str__(self))


class Phrase:
    def __init__(self, msgid, *args, **values):
        self.msgid, self.args, self.values = msgid, args, values

    def shown(self):
        """The text in the active language."""
        text = gettext(self.msgid)
        if self.args:
            return text % tuple(_shown(a) for a in self.args)
        if self.values:
            return text % {key: _shown(value) for key, value in self.values.items()}
        return text

    def __str__(self):
        return self.shown()

    def as_sent(self):
        """The text in the site's language, as it is stored and sent."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.shown()

    def part(self):
        part = {"m": self.msgid}
        if self.args:
            part["a"] = [_part(a) for a in self.args]
        if self.values:
            part["v"] = {key: _part(value) for key, value in self.values.items()}
        return part


class Lines(Phrase):
    """Phrases (or data) one per line: a report's body (the 通报)."""

    def __init__(self, lines):
        super().__init__("")
        self.lines = list(lines)

    def shown(self):
        return "\n".join(str(_shown(line)) for line in self.lines)

    def part(self):
        return {"l": [_part(line) for line in self.lines]}


def _shown(value):
    return value.shown() if isinstance(value, (Phrase, Label)) else value


def _part(value):
    if isinstance(value, Phrase):
        return {"p": value.part()}
    if isinstance(value, Label):
        return {"t": str.__str__(value)}
    return value if isinstance(value, int | float) else str(value)


def phrase_of(part):
    """The Phrase a stored part describes (Message.recipe)."""
    if "l" in part:
        return Lines(_value(line) for line in part["l"])
    return Phrase(part["m"], *[_value(a) for a in part.get("a", [])],
                  **{key: _value(value) for key, value in part.get("v", {}).items()})


def _value(value):
    if isinstance(value, dict) and "p" in value:
        return phrase_of(value["p"])
    if isinstance(value, dict) and "t" in value:
        return Label(value["t"])
    return value


def shown(part, text):
    """A stored part in the reader's language; the text as sent if there is none or it no longer
    renders (a catalogue entry changed since)."""
    if not part:
        return text
    try:
        return phrase_of(part).shown()
    except (KeyError, TypeError, ValueError):
        return text
