/// Bearer tokens: 32 random bytes as 64 hex digits, prefixed `annot_` so that a leaked
/// token is recognizable. The server stores only ``hash(_:)``.
enum Token {
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "annot_" + String((0..<64).map { _ in digits[Int(generator.next() % 16)] })
    }

    static func hash(_ token: some StringProtocol) -> String { SHA256.hex(token) }
}
