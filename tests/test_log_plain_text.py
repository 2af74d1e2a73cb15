"""Log text from a cluster reaches the page and the download as plain text: no escape sequences,
no control characters but TAB and LF, carriage returns as a terminal shows them."""

import pytest

from workloads.cluster import PodInfo
from workloads.logs import LogSection, WorkloadLogs, plain_text


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("\x1b[31mred\x1b[0m text", "red text"),  # SGR colours
        ("\x1b[1;38;5;196mbold 256\x1b[m", "bold 256"),
        ("\x1b[38;2;255;0;0mtruecolor\x1b[39m", "truecolor"),
        ("\x1b]0;title\x07after", "after"),  # OSC window title, BEL-terminated
        ("\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST-terminated
        ("\x1b]0;never closed\nnext line", "\nnext line"),  # an open OSC ends with its line
        ("\x1b[2Jcleared\x1b[H", "cleared"),  # screen clear, cursor home
        ("\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"),  # private CSI
        ("\x1bPq#0;2;0;0;0\x1b\\sixel gone", "sixel gone"),  # DCS
        ("\x1b(Bcharset\x1b=keypad\x1bcreset", "charsetkeypadreset"),  # short ESC sequences
        ("\x9b31m8-bit CSI\x9b0m", "8-bit CSI"),
        ("\x9d0;title\x9cafter", "after"),  # 8-bit OSC and ST
        ("nul\x00 bell\x07 backspace\x08 del\x7f c1\x85\x9f", "nul bell backspace del c1"),
        ("a lone escape\x1b", "a lone escape"),
        ("\x1b Fx", "x"),  # ESC SP F is one (nF) sequence, as a terminal reads it
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("10%\r20%\r30%\ndone", "30%\ndone"),  # a progress bar: its last state
        ("abcdef\r12", "12cdef"),  # a short part overwrites only the start
        ("windows\r\nline endings\r\n", "windows\nline endings\n"),
        ("trailing return\r", "trailing return"),
        ("\x1b[2K\r\x1b[1G 50% |#####     |\r\x1b[2K\r 100%|##########|\n", " 100%|##########|\n"),
        ("héllo wörld ✓ 日本", "héllo wörld ✓ 日本"),  # text is text
        ("", ""),
    ],
)
def test_plain_text(raw, plain):
    assert plain_text(raw) == plain


def test_what_is_left_has_no_control_character_but_tab_and_newline():
    nasty = "".join(chr(c) for c in range(0x00, 0xA0)) + "\x1b[31m" + "\x1b]0;t\x07" + "\x9b2J"
    left = plain_text(nasty * 3)
    assert not [c for c in left if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F]


def test_every_section_and_error_is_plain_whoever_builds_it():
    pod = PodInfo(name="p-0", namespace="vision", phase="Running", containers=("main",), started_at=None)
    section = LogSection(pod, "main", "\x1b[32mok\x1b[0m\r\n", problem="")
    failed = LogSection(pod, "main", "", problem='container "main" \x1b[2Jis waiting')
    logs = WorkloadLogs(sections=[section, failed], error="")
    assert (section.text, failed.problem) == ("ok\n", 'container "main" is waiting')
    assert "\x1b" not in logs.as_text()
    assert WorkloadLogs(error="unreachable \x1b]0;x\x07(timeout)").error == "unreachable (timeout)"
