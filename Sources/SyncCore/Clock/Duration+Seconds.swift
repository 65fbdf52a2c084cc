extension Duration {
    /// The duration in seconds, with its fraction (for reports and rates).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
