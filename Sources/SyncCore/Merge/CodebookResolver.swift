/// Where a code sits in the codebook: its full path (`negotiations/doha`) and the code
/// it counts as (itself, or the code it was merged into).
public struct CodePlace: Sendable, Hashable {
    /// The code's path, its labels from the top joined by `/`.
    public let path: String
    /// The code whose name and codings this code shares: itself unless it was merged.
    public let representative: TagName

    public init(path: String, representative: TagName) {
        self.path = path
        self.representative = representative
    }
}

/// The codebook's tree as a pure function of each code's winning name version
/// (``TagResolution``): both the reference model and the SQLite replica place codes with it.
///
/// Each code has one *link*, the code its place derives from:
///
/// - a code never renamed is called by its id: its link is its id's parent (`talks` for
///   `talks/doha`) and its label the id's last segment;
/// - a renamed code's link is the parent its winning rename names (none at the top);
/// - a merged code's link is the code it was merged into, whose place it shares.
///
/// A code's path is its link's path and its label, so renaming or moving a code moves its
/// whole subtree, and codes made under it concurrently follow it. Links can form a cycle
/// (two codes moved under each other concurrently, or merged into each other): the code
/// of the cycle whose winning version is the latest (a code never renamed counts as the
/// earliest; ties by id) is cut from its link and placed at the top with its label. The
/// cut depends only on the cycle's members, never on where a walk started, so every
/// replica places every code alike.
public enum CodebookResolver {
    /// The code a code's place derives from, if any.
    public static func link(of id: TagName, winner: TagVersion?) -> TagName? {
        switch winner?.value {
        case nil: id.parent
        case .name(let parent, _): parent
        case .merge(let into): into
        }
    }

    /// Places `ids` and every code their links lead to.
    ///
    /// - Parameters:
    ///   - winner: a code's winning name version, `nil` when it was never renamed.
    ///   - known: the place of a code already placed and not affected by what changed
    ///     (the replica's stored places); `nil` to place it here.
    /// - Returns: the places of `ids` and of the codes resolved on the way.
    /// - Complexity: O(*n* · depth) for *n* codes.
    public static func places<IDs: Sequence<TagName>>(
        of ids: IDs, winner: (TagName) throws -> TagVersion?, known: (TagName) throws -> CodePlace?
    ) rethrows -> [TagName: CodePlace] {
        var result: [TagName: CodePlace] = [:]
        var winners: [TagName: TagVersion?] = [:]
        var cut: Set<TagName> = []
        func winnerOf(_ id: TagName) throws -> TagVersion? {
            if let cached = winners[id] { return cached }
            let found = try winner(id)
            winners[id] = .some(found)
            return found
        }
        for start in ids where result[start] == nil {
            while true {
                var chain: [TagName] = []
                var position: [TagName: Int] = [:]
                var node: TagName? = start
                var above: CodePlace?
                var cycle: Int?
                while let current = node {
                    if let place = try result[current] ?? known(current) {
                        above = place
                        break
                    }
                    if let index = position[current] {
                        cycle = index
                        break
                    }
                    position[current] = chain.count
                    chain.append(current)
                    node = cut.contains(current) ? nil : link(of: current, winner: try winnerOf(current))
                }
                if let cycle {
                    var breaker = chain[cycle]
                    for member in chain[cycle...] where try isLater(member, than: breaker, winnerOf) { breaker = member }
                    cut.insert(breaker)
                    continue
                }
                for current in chain.reversed() {
                    let place = place(of: current, winner: try winnerOf(current), isCut: cut.contains(current), above: above)
                    result[current] = place
                    above = place
                }
                break
            }
        }
        return result
    }

    private static func isLater(
        _ lhs: TagName, than rhs: TagName, _ winner: (TagName) throws -> TagVersion?
    ) rethrows -> Bool {
        let left = try winner(lhs)?.timestamp
        let right = try winner(rhs)?.timestamp
        if left != right {
            guard let left else { return false }
            guard let right else { return true }
            return left > right
        }
        return lhs > rhs
    }

    private static func place(of id: TagName, winner: TagVersion?, isCut: Bool, above: CodePlace?) -> CodePlace {
        var label = id.label
        switch winner?.value {
        case .merge?:
            if !isCut, let above { return CodePlace(path: above.path, representative: above.representative) }
        case .name(_, let named)?:
            label = named
        case nil:
            break
        }
        guard !isCut, let above else { return CodePlace(path: label, representative: id) }
        return CodePlace(path: above.path + "/" + label, representative: id)
    }
}
