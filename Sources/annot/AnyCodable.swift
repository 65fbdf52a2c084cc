/// A string or a list of strings, for small ad-hoc JSON objects.
enum AnyCodable: Encodable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    case string(String)
    case strings([String])
    case int(Int)

    init(stringLiteral value: String) { self = .string(value) }
    init(arrayLiteral elements: String...) { self = .strings(elements) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        }
    }
}
