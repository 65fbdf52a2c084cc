/// The store's identity, read once: it never changes for a store.
actor StoreIdentity {
    private var identity: String?

    func value(_ store: any ChangeStore) async throws -> String {
        if let identity { return identity }
        let read = try await store.identity()
        identity = read
        return read
    }
}
