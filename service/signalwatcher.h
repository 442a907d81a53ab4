#ifndef SSEBUF_SIGNALWATCHER_H
#define SSEBUF_SIGNALWATCHER_H

#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace ssebuf {

// Turns SIGTERM and SIGINT into a Qt signal through a self-pipe, so shutdown runs in the
// event loop and not inside a signal handler.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    void notifier_activated();
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace ssebuf

#endif
