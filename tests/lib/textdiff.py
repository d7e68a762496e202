"""Line-for-line comparison of two transcripts, shared by the suite
runners (tests/cpu-i386/run_suite.py, tests/system/run.py)."""
import difflib

DIFF_LINES = 30


def count_differences(a, b):
    """Number of differing lines between two lists of lines."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b))
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal")


def compare(say, name, ref, got, ref_label, got_label):
    """Returns (lines compared, differing lines); prints the first
    differences, the headline through the runner's say()."""
    a, b = ref.splitlines(), got.splitlines()
    if a == b:
        return len(a), 0
    ndiff = count_differences(a, b)
    say("%s: %s differs from %s in %d lines:" % (name, got_label, ref_label, ndiff))
    d = list(difflib.unified_diff(a, b, ref_label, got_label, n=1, lineterm=""))
    for line in d[:DIFF_LINES]:
        print("   " + line)
    if len(d) > DIFF_LINES:
        print("   ... %d more diff lines" % (len(d) - DIFF_LINES))
    return len(a), ndiff
