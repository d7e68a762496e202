# A loop over Python's builtins: dicts, strings, lists, sorting, ints,
# generators and method calls -- the interpreter's everyday work.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
words = {}
acc = 0
parts = []
for i in range(n):
    k = "k%d" % (i % 5003)
    words[k] = words.get(k, 0) + i
    s = str(i * 7919)
    acc = (acc * 31 + len(s) + int(s[-3:] or "0")) % 1000000007
    if i % 97 == 0:
        parts.append(s[::-1].upper())
    if i % 1000 == 999:
        parts.sort()
        del parts[len(parts) // 2:]
top = sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
squares = sum(x * x for x in range(n // 10) if x % 3)
text = " ".join(parts)
print(acc, squares, len(text), text.count("1"), top)
print(sorted(set(text.split()))[:3], max(words.values()), min(words))
