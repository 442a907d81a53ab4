#ifndef SSEBUF_EVENTDRAFT_H
#define SSEBUF_EVENTDRAFT_H

#include "apierror.h"
#include "sessionstate.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace ssebuf {

// An event as a producer hands it in, before the service gives it seq, session_id and
// timestamp. Validated by fromJson() (publish API, exec pipeline).
struct EventDraft
{
    QString type;
    SessionState status = SessionState::Running;
    QString message;
    QString stage; // optional
    int progress = -1; // 0..100, -1 when absent
    QJsonValue data = QJsonValue(QJsonValue::Undefined); // optional
    bool final = false; // true exactly when status is completed or failed

    // Field rules: type 1..64 chars; status running|completed|failed; message a string of
    // at most 65536 chars; stage at most 128 chars; progress an integer 0..100; final a bool
    // that must agree with status (absent means "status is not running").
    static std::optional<EventDraft> fromJson(const QJsonObject &json, ApiError *error);
};

} // namespace ssebuf

#endif
