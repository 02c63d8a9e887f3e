package scxml

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// toUTF8 returns the XML document src as UTF-8 without a byte order mark,
// decoding the encodings XML 1.0 requires (UTF-8 and UTF-16, §4.3.3) and
// the single-byte ones projects built on Windows carry (ISO-8859-1 and
// Windows-1252), as declared in the prolog or shown by a byte order mark.
// Every character keeps its line and column, so positions in the result
// are positions in the file.
func toUTF8(src []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(src, []byte{0xEF, 0xBB, 0xBF}):
		return src[3:], nil
	case bytes.HasPrefix(src, []byte{0xFF, 0xFE}):
		return utf16ToUTF8(src[2:], false)
	case bytes.HasPrefix(src, []byte{0xFE, 0xFF}):
		return utf16ToUTF8(src[2:], true)
	case bytes.HasPrefix(src, []byte{'<', 0, '?', 0}):
		// UTF-16 without a byte order mark (XML 1.0 Appendix F.1).
		return utf16ToUTF8(src, false)
	case bytes.HasPrefix(src, []byte{0, '<', 0, '?'}):
		return utf16ToUTF8(src, true)
	}
	enc := declaredEncoding(src)
	switch normalizeEncoding(enc) {
	case "", "utf8", "usascii", "ascii":
		return src, nil
	case "utf16":
		return nil, fmt.Errorf("encoding %q is declared, but the document has no UTF-16 byte order mark", enc)
	case "iso88591", "latin1", "l1", "isolatin1":
		return latin1ToUTF8(src, nil), nil
	case "windows1252", "cp1252", "xwindows1252":
		return latin1ToUTF8(src, &windows1252), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (want UTF-8, UTF-16, ISO-8859-1 or Windows-1252)", enc)
}

// textToUTF8 returns a text file included with <xi:include parse="text">
// (a script library) as UTF-8. enc is the include's encoding attribute;
// without one the text is UTF-8, UTF-16 with a byte order mark, or, when
// it is not valid UTF-8, Windows-1252 (the encoding of scripts edited on
// Windows; ISO-8859-1 text decodes the same way).
func textToUTF8(data []byte, enc string) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return utf16ToUTF8(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return utf16ToUTF8(data[2:], true)
	}
	switch normalizeEncoding(enc) {
	case "":
		if utf8.Valid(data) {
			return data, nil
		}
		return latin1ToUTF8(data, &windows1252), nil
	case "utf8", "usascii", "ascii":
		return data, nil
	case "iso88591", "latin1", "l1", "isolatin1":
		return latin1ToUTF8(data, nil), nil
	case "windows1252", "cp1252", "xwindows1252":
		return latin1ToUTF8(data, &windows1252), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (want UTF-8, UTF-16, ISO-8859-1 or Windows-1252)", enc)
}

// declaredEncoding returns the encoding of the XML declaration src starts
// with, or "".
func declaredEncoding(src []byte) string {
	if !bytes.HasPrefix(src, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(src, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(src[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	if j := strings.IndexByte(rest[1:], q); j >= 0 {
		return rest[1 : 1+j]
	}
	return ""
}

// normalizeEncoding lower-cases an encoding name and drops its
// punctuation: "ISO-8859-1" and "iso_8859-1" are both "iso88591".
func normalizeEncoding(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// utf16ToUTF8 decodes UTF-16 text without its byte order mark.
func utf16ToUTF8(b []byte, bigEndian bool) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("UTF-16 document has an odd number of bytes")
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

// latin1ToUTF8 decodes single-byte text: bytes 0x80-0x9F through high when
// it is not nil (Windows-1252), every other byte as the code point of the
// same value (ISO-8859-1).
func latin1ToUTF8(b []byte, high *[32]rune) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c < 0xA0 && high != nil:
			out = utf8.AppendRune(out, high[c-0x80])
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

// windows1252 maps bytes 0x80-0x9F of Windows-1252 to Unicode; the five
// bytes it leaves undefined keep their C1 control code points.
var windows1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}
