#ifndef SSEBUF_WRITECOALESCER_H
#define SSEBUF_WRITECOALESCER_H

#include <QObject>

#include <vector>

namespace ssebuf {

class RawStreamConnection;

// Corks event streams for one pass of the event loop. A stream written to during a pass
// (events published, a Redis notification batch, a producer's burst of lines, a replay
// slice) is flushed once, with one sendmsg(2) of everything queued for it, when the pass
// ends: several events of a session that arrive together cost one system call per
// subscriber instead of one per event, and a lone event waits only for the rest of the
// pass (microseconds). The end of a pass is the dispatcher's aboutToPoll() when ssebufd
// runs on its EpollEventDispatcher; on another dispatcher a queued call flushes.
class WriteCoalescer : public QObject
{
    Q_OBJECT
public:
    explicit WriteCoalescer(QObject *parent = nullptr);
    ~WriteCoalescer() override;

    // The stream has bytes to send; flush() will ask it to send them. Once per pass.
    void schedule(RawStreamConnection *stream);
    // The stream is going away before its flush.
    void cancel(RawStreamConnection *stream);
    // Sends what every scheduled stream queued.
    void flush();

    // sendmsg(2) calls that carried event-stream bytes, by every stream of this coalescer.
    void countSendCall() { ++m_sendCalls; }
    quint64 sendCalls() const { return m_sendCalls; }

private:
    void postFlush();

    std::vector<RawStreamConnection *> m_scheduled;
    std::vector<RawStreamConnection *> m_flushing;
    bool m_hooked = false; // flushed by the dispatcher at the end of every pass
    bool m_inFlush = false;
    bool m_flushPosted = false;
    quint64 m_sendCalls = 0;
};

} // namespace ssebuf

#endif
