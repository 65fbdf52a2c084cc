import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Read deadlines for each phase of a connection, a send deadline, and the connection cap
/// (``ConnectionTable``), in the HTTP/1.1 pipeline after the request decoder.
///
/// - idle: a connection that sends nothing for ``SyncServerConfiguration/idleTimeout`` after
///   opening, or after its last response was handed to the kernel, is closed;
/// - header: a request head must be whole within ``SyncServerConfiguration/headerTimeout``
///   of its first byte;
/// - body: a request body must be whole within ``SyncServerConfiguration/bodyTimeout`` of
///   its head;
/// - sending: while the connection's send buffer is full, the client must take some of it
///   within every ``SyncServerConfiguration/sendTimeout``, or the connection is closed. A
///   slow reader gets its whole answer however long it takes, as long as it reads.
///
/// A connection that misses a deadline is closed. A request that is not HTTP gets a 400
/// with a JSON error body before the connection closes (rather than Hummingbird's empty
/// one); a parse error in a body (bad chunked framing) reaches the route, which answers 400.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let table: ConnectionTable
    private let timeouts: (idle: TimeAmount, header: TimeAmount, body: TimeAmount, send: TimeAmount)
    private var phase = ConnectionTable.Phase.idle
    private var deadline: Scheduled<Void>?
    private var admitted = false
    private var observer: RequestBytesObserver?
    /// Request heads read, and responses handed whole to the kernel.
    private var requests = 0
    private var responses = 0
    /// Whether the last request's body has been read to its end.
    private var requestRead = true
    /// The send deadline, while the send buffer is full, and what it held at the last check.
    private var sendCheck: Scheduled<Void>?
    private var buffered = 0

    init(table: ConnectionTable, configuration: SyncServerConfiguration) {
        self.table = table
        func amount(_ duration: Duration) -> TimeAmount {
            .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        }
        timeouts = (
            amount(configuration.idleTimeout), amount(configuration.headerTimeout), amount(configuration.bodyTimeout),
            amount(configuration.sendTimeout)
        )
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The raw bytes tell when a request starts, before its head is whole.
        let observer = RequestBytesObserver { [weak self] in self?.bytesArrived(context: context) }
        self.observer = observer
        try? context.pipeline.syncOperations.addHandler(observer, position: .first)
        if context.channel.isActive { activate(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        table.remove(context.channel)
        context.fireChannelInactive()
    }

    private func cancelTimers() {
        deadline?.cancel()
        deadline = nil
        sendCheck?.cancel()
        sendCheck = nil
    }

    private func activate(context: ChannelHandlerContext) {
        guard !admitted else { return }
        admitted = true
        guard table.admit(context.channel) else {
            observer?.answerAndClose(
                status: "503 Service Unavailable", code: "too_many_connections",
                message: "the server has \(table.limit) connections busy with requests: retry in a moment", retryAfter: 1)
            return
        }
        enter(.idle, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requests += 1
            requestRead = false
        case .body: break
        case .end: requestRead = true
        }
        settle(context: context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        // The response counts as sent once the kernel has it all, not when it is queued: a
        // slow reader must not be cut off by the idle deadline while its answer drains.
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenSuccess { [weak self] in
            guard let self else { return }
            self.responses += 1
            self.settle(context: context)
        }
        context.write(data, promise: written)
    }

    /// Moves to the phase that what was read and written so far implies.
    private func settle(context: ChannelHandlerContext) {
        if !requestRead {
            enter(.body, context: context)  // a body still arriving, answered or not
        } else if responses < requests {
            enter(.responding, context: context)
        } else if phase != .idle && phase != .header {
            enter(.idle, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            sendCheck?.cancel()
            sendCheck = nil
        } else if sendCheck == nil {
            buffered = bufferedBytes(context)
            scheduleSendCheck(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    private func bufferedBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
    }

    private func scheduleSendCheck(context: ChannelHandlerContext) {
        sendCheck = context.eventLoop.assumeIsolated().scheduleTask(in: timeouts.send) { [weak self] in
            guard let self else { return }
            let now = self.bufferedBytes(context)
            // Nothing taken by the client for a whole send timeout: it is not reading.
            guard now < self.buffered else { return context.close(promise: nil) }
            self.buffered = now
            self.scheduleSendCheck(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Bytes that are not an HTTP request head: no route will see them, so answer here.
        if error is HTTPParserError, phase.waitingForClient {
            deadline?.cancel()
            observer?.answerAndClose(
                status: "400 Bad Request", code: "malformed_request", message: "the request is not valid HTTP/1.1 (\(error))")
            return
        }
        context.fireErrorCaught(error)
    }

    private func bytesArrived(context: ChannelHandlerContext) {
        if phase == .idle { enter(.header, context: context) }
    }

    private func enter(_ next: ConnectionTable.Phase, context: ChannelHandlerContext) {
        // The body deadline runs from the head: it is not restarted by a response written
        // while the body is still arriving.
        if next == phase, next == .body, deadline != nil { return }
        phase = next
        table.update(context.channel, to: next)
        deadline?.cancel()
        deadline = nil
        let timeout: TimeAmount? =
            switch next {
            case .idle: timeouts.idle
            case .header: timeouts.header
            case .body: timeouts.body
            case .responding: nil
            }
        guard let timeout else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, self.phase == next else { return }
            context.close(promise: nil)
        }
    }
}

/// The first handler of a connection's pipeline: tells ``ConnectionGuard`` when bytes
/// arrive, and writes the few answers the guard gives without the HTTP encoder.
final class RequestBytesObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let arrived: () -> Void
    private var context: ChannelHandlerContext?
    private var answered = false

    init(arrived: @escaping () -> Void) { self.arrived = arrived }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After an answer of ours, the rest of what the client sends is not read.
        guard !answered else { return }
        arrived()
        context.fireChannelRead(data)
    }

    /// Writes a complete HTTP/1.1 response with a JSON error body, then closes.
    func answerAndClose(status: String, code: String, message: String, retryAfter: Int? = nil) {
        guard let context, !answered else { return }
        answered = true
        let body = SyncServerError.jsonBody(code: code, message: message)
        var head = "HTTP/1.1 \(status)\r\ncontent-type: application/json\r\ncontent-length: \(body.count)\r\nconnection: close\r\n"
        if let retryAfter { head += "retry-after: \(retryAfter)\r\n" }
        var buffer = context.channel.allocator.buffer(capacity: head.utf8.count + 2 + body.count)
        buffer.writeString(head + "\r\n")
        buffer.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
