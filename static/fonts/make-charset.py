"""Prints the characters the report font keeps: GB 2312, ASCII, CJK punctuation, full-width
forms and a few symbol ranges."""
chars = {chr(c) for c in range(0x20, 0x7F)}
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for start, end in [(0x3000, 0x303F), (0xFF00, 0xFFEF), (0x2010, 0x2027), (0x2030, 0x203B),
                   (0x2160, 0x216B), (0x2460, 0x2473), (0x25A0, 0x25FF)]:
    chars.update(chr(c) for c in range(start, end))
chars.add("·")
print("".join(sorted(chars)))
