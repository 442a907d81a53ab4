#ifndef SSEBUF_CONTEXTCALLBACK_H
#define SSEBUF_CONTEXTCALLBACK_H

#include <QObject>
#include <QPointer>

#include <functional>
#include <utility>

namespace ssebuf {

// Wraps a callback so that it runs only while its context object is alive, like the
// context argument of QObject::connect. Asynchronous store answers use it: the HTTP
// exchange or stream that asked may be gone when the answer comes.
template<typename... Args, typename F>
std::function<void(Args...)> withContext(QObject *context, F &&function)
{
    return
        [guard = QPointer<QObject>(context), f = std::forward<F>(function)](Args... args) mutable {
            if (guard)
                f(std::forward<Args>(args)...);
        };
}

} // namespace ssebuf

#endif
