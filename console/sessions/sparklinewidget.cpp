#include "sparklinewidget.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace ssebuf {

SparklineWidget::SparklineWidget(QWidget *parent)
    : QWidget(parent)
{
    setMinimumSize(160, 24);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

QSize SparklineWidget::sizeHint() const
{
    return QSize(240, 28);
}

QString SparklineWidget::caption() const
{
    return QStringLiteral("%1 events/s").arg(m_current);
}

void SparklineWidget::setSamples(const QList<int> &samples, int current)
{
    m_samples = samples;
    m_current = current;
    setToolTip(
        QStringLiteral("Events appended per second over the last %1 s; peak %2")
            .arg(samples.size())
            .arg(samples.isEmpty() ? 0 : *std::max_element(samples.cbegin(), samples.cend())));
    update();
}

void SparklineWidget::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QString text = caption();
    const int textWidth = fontMetrics().horizontalAdvance(QStringLiteral("00000 events/s")) + 8;
    const QRectF chart = QRectF(rect()).adjusted(1, 3, -textWidth, -3);
    painter.fillRect(chart, palette().color(QPalette::Base));
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(chart);

    if (m_samples.size() >= 2) {
        const int peak = qMax(1, *std::max_element(m_samples.cbegin(), m_samples.cend()));
        const qreal step = chart.width() / qreal(m_samples.size() - 1);
        QPainterPath line;
        for (int i = 0; i < m_samples.size(); ++i) {
            const QPointF point(chart.left() + i * step,
                                chart.bottom() - 1
                                    - (chart.height() - 2) * qreal(m_samples.at(i)) / peak);
            if (i == 0)
                line.moveTo(point);
            else
                line.lineTo(point);
        }
        QPainterPath area = line;
        area.lineTo(chart.right(), chart.bottom());
        area.lineTo(chart.left(), chart.bottom());
        area.closeSubpath();
        QColor fill = palette().color(QPalette::Highlight);
        fill.setAlpha(60);
        painter.fillPath(area, fill);
        painter.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
        painter.drawPath(line);
    }
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRectF(chart.right() + 6, 0, textWidth - 6, height()),
                     Qt::AlignVCenter | Qt::AlignLeft, text);
}

} // namespace ssebuf
