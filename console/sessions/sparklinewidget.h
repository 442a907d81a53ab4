#ifndef SSEBUF_CONSOLE_SPARKLINEWIDGET_H
#define SSEBUF_CONSOLE_SPARKLINEWIDGET_H

#include <QList>
#include <QWidget>

namespace ssebuf {

// A small line chart of recent values (events per second), drawn with QPainter, with the
// latest value as text.
class SparklineWidget : public QWidget
{
    Q_OBJECT
public:
    explicit SparklineWidget(QWidget *parent = nullptr);

    void setSamples(const QList<int> &samples, int current);
    QList<int> samples() const { return m_samples; }
    int current() const { return m_current; }
    QString caption() const;

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<int> m_samples;
    int m_current = 0;
};

} // namespace ssebuf

#endif
