/// Text from other users made safe for a terminal, as git and less show it: control
/// characters and bidirectional overrides are written visibly instead of being obeyed, so a
/// note body or an article's text cannot move the cursor, clear the screen, retitle the
/// window or reverse the text around it. Newlines and tabs are kept. `--json` output is
/// never escaped: scripts get the exact text.
enum TerminalText {
    /// `text` with C0 controls (but newline and tab) in caret notation (`^[` for ESC, `^G`
    /// for BEL), DEL as `^?`, and C1 controls and bidirectional controls as `<U+XXXX>`.
    /// - Complexity: O(n); the text is returned as it is when nothing needs escaping.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscaping) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscaping(scalar) else {
                out.append(scalar)
                continue
            }
            switch scalar.value {
            case 0..<0x20:
                out.append("^")
                out.append(Unicode.Scalar(UInt8(scalar.value) + 0x40))
            case 0x7F:
                out.append(contentsOf: "^?".unicodeScalars)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "<U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)>".unicodeScalars)
            }
        }
        return String(out)
    }

    static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0..<0x20, 0x7F...0x9F: true
        // Bidirectional controls: marks, embeddings, overrides and isolates.
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
