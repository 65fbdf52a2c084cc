import SyncCore

/// Whether replica keys are weak (``SyncCore/ReplicaKey/isWeak``), remembered per key: the
/// check costs 64 signature verifications, and a server sees the same few keys again and
/// again.
actor WeakKeyCheck {
    private var checked: [String: Bool] = [:]

    func isWeak(_ key: ReplicaKey) -> Bool {
        if let known = checked[key.rawValue] { return known }
        let weak = key.isWeak
        checked[key.rawValue] = weak
        return weak
    }
}
