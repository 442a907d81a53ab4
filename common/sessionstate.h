#ifndef SSEBUF_SESSIONSTATE_H
#define SSEBUF_SESSIONSTATE_H

#include <QString>

#include <optional>

namespace ssebuf {

// Where a session is: running until its terminal event, then completed or failed. An
// event's status is the state it leaves its session in. On the wire: "running",
// "completed", "failed".
enum class SessionState { Running, Completed, Failed };
inline constexpr SessionState allSessionStates[]
    = {SessionState::Running, SessionState::Completed, SessionState::Failed};

// Named so that it never hides QTest::toString (QCOMPARE works on SessionState).
QString sessionStateName(SessionState state);
// The state a wire name stands for; nothing for any other text.
std::optional<SessionState> sessionStateFromString(const QString &text);
inline bool isTerminal(SessionState state)
{
    return state != SessionState::Running;
}

} // namespace ssebuf

#endif
