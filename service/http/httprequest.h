#ifndef SSEBUF_HTTPREQUEST_H
#define SSEBUF_HTTPREQUEST_H

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

namespace ssebuf {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// Whether a and b are the same bytes but for the case of ASCII letters (header names, media
// types, host names): the same answer as QByteArrayView::compare(Qt::CaseInsensitive) whenever
// one side is ASCII, without its byte-by-byte Latin-1 folding call on every request.
inline bool equalsIgnoringAsciiCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    const auto lower = [](unsigned char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
    };
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]
            && lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// A request as the service sees it, copied out of QtHttpServer's request object (which
// is reused for the next request on the connection).
struct HttpRequest
{
    QByteArray method; // upper case
    QString path; // percent-decoded
    QStringList segments; // path split on '/', each percent-decoded
    QUrlQuery query;
    HttpHeaders headers;
    QByteArray body;
    // Both start as copies of one shared null address: a default-constructed QHostAddress
    // allocates its private (Qt 6), a copy only shares it.
    QHostAddress peer = nullAddress(); // the client: the forwarded address when proxy is set
    quint16 peerPort = 0;
    // The trusted proxy the request came through (--trusted-proxy); null if none.
    QHostAddress proxy = nullAddress();
    quint16 proxyPort = 0;

    // First header of that name, compared case-insensitively; empty when absent. The name is a
    // view: a literal ("content-type") makes no QByteArray (each one allocated).
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    QString peerText() const;
    // Content-Type is application/json or application/*+json (parameters allowed).
    bool hasJsonBody() const;
    static bool isJsonMediaType(const QByteArray &contentType);

    static const QHostAddress &nullAddress()
    {
        static const QHostAddress null;
        return null;
    }
};

} // namespace ssebuf

#endif
