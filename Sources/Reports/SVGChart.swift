internal import Foundation

/// Inline SVG for ``ReportChart``: axes, gridlines, labels and a legend, no scripts.
public enum SVGChart {
  static let width = 1000.0
  static let palette = ["#2f7ed8", "#d9534f", "#5cb85c", "#f0ad4e", "#8e6bbf", "#5bc0de"]
  static let stateColors: [String: String] = [
    "ACTIVE": "#5cb85c", "SHUTOFF": "#9aa5b1", "BUILD": "#2f7ed8", "ERROR": "#d9534f",
    "DELETED": "#1d2733", "SOFT_DELETED": "#1d2733", "PAUSED": "#f0ad4e",
    "SUSPENDED": "#f0ad4e", "VERIFY_RESIZE": "#8e6bbf", "RESIZE": "#8e6bbf",
    "REBUILD": "#5bc0de", "REBOOT": "#5bc0de", "HARD_REBOOT": "#5bc0de",
    "SHELVED_OFFLOADED": "#c7b299", "SHELVED": "#c7b299", "MIGRATING": "#8e6bbf",
  ]

  /// The colour of a server status in timelines.
  public static func color(forState state: String) -> String {
    stateColors[state] ?? "#b07cc6"
  }

  public static func render(_ chart: ReportChart) -> String {
    switch chart {
    case .line(let title, let series, let points): return line(title, series, points)
    case .bars(let title, let labels, let series): return bars(title, labels, series)
    case .timeline(let title, let start, let end, let lanes):
      return timeline(title, start, end, lanes)
    }
  }

  static func number(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
  }

  static func text(
    _ x: Double, _ y: Double, _ content: String, anchor: String = "start",
    extra: String = ""
  ) -> String {
    "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\"\(extra)>"
      + HTMLRenderer.escape(content) + "</text>\n"
  }

  /// A "nice" top for a value axis and its tick step.
  static func scale(_ maximum: Double) -> (top: Double, step: Double) {
    guard maximum > 0 else { return (1, 1) }
    let raw = maximum / 4
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    let top = (maximum / step).rounded(.up) * step
    return (max(top, step), max(step, 1))
  }

  /// Labels shown on the x axis: at most about 12, evenly spread.
  static func labelStride(_ count: Int) -> Int {
    max(1, Int((Double(count) / 12).rounded(.up)))
  }

  static func frame(_ title: String, height: Double, body: String) -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\""
      + " viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\""
      + " aria-label=\"\(HTMLRenderer.escape(title))\">\n"
      + text(16, 22, title, extra: " class=\"title\"") + body + "</svg>\n"
  }

  static func valueAxis(
    top: Double, step: Double, left: Double, right: Double, y0: Double,
    plotHeight: Double
  ) -> String {
    var body = ""
    var tick = 0.0
    while tick <= top + step / 2 {
      let y = y0 - tick / top * plotHeight
      body +=
        "<line class=\"grid\" x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(right))\" y2=\"\(number(y))\"/>\n"
      body += text(left - 6, y + 4, number(tick), anchor: "end")
      tick += step
    }
    body +=
      "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(y0))\" x2=\"\(number(right))\" y2=\"\(number(y0))\"/>\n"
    return body
  }

  static func line(_ title: String, _ series: String, _ points: [ChartPoint]) -> String {
    let height = 260.0
    let (left, right, top, bottom) = (56.0, width - 24, 40.0, height - 36)
    let plotHeight = bottom - top
    let (maxValue, step) = scale(points.map(\.value).max() ?? 0)
    var body = valueAxis(
      top: maxValue, step: step, left: left, right: right, y0: bottom, plotHeight: plotHeight)
    guard !points.isEmpty else {
      return frame(title, height: height, body: body + text(width / 2, height / 2, "no data"))
    }
    let dx = points.count > 1 ? (right - left - 20) / Double(points.count - 1) : 0
    func x(_ index: Int) -> Double { left + 10 + dx * Double(index) }
    func y(_ value: Double) -> Double { bottom - value / maxValue * plotHeight }
    var path = ""
    for (index, point) in points.enumerated() {
      path += (index == 0 ? "M" : " L") + "\(number(x(index))) \(number(y(point.value)))"
    }
    body +=
      "<path d=\"\(path)\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"2\"/>\n"
    let stride = labelStride(points.count)
    for (index, point) in points.enumerated() {
      body +=
        "<circle cx=\"\(number(x(index)))\" cy=\"\(number(y(point.value)))\" r=\"3\" fill=\"\(palette[0])\">"
        + "<title>\(HTMLRenderer.escape("\(point.label): \(number(point.value))"))</title></circle>\n"
      if index % stride == 0 {
        body += text(x(index), bottom + 16, point.label, anchor: "middle")
      }
    }
    body += legend([(series, palette[0])], y: 22)
    return frame(title, height: height, body: body)
  }

  static func bars(_ title: String, _ labels: [String], _ series: [ChartSeries]) -> String {
    let height = 260.0
    let (left, right, top, bottom) = (56.0, width - 24, 40.0, height - 36)
    let plotHeight = bottom - top
    let (maxValue, step) = scale(series.flatMap(\.values).max() ?? 0)
    var body = valueAxis(
      top: maxValue, step: step, left: left, right: right, y0: bottom, plotHeight: plotHeight)
    guard !labels.isEmpty, !series.isEmpty else {
      return frame(title, height: height, body: body + text(width / 2, height / 2, "no data"))
    }
    let group = (right - left) / Double(labels.count)
    let barWidth = max(1, min(40, group * 0.8 / Double(series.count)))
    let stride = labelStride(labels.count)
    for (index, label) in labels.enumerated() {
      let groupStart = left + group * Double(index) + (group - barWidth * Double(series.count)) / 2
      for (seriesIndex, entry) in series.enumerated() {
        let value = index < entry.values.count ? entry.values[index] : 0
        let barHeight = value / maxValue * plotHeight
        let x = groupStart + barWidth * Double(seriesIndex)
        body +=
          "<rect x=\"\(number(x))\" y=\"\(number(bottom - barHeight))\" width=\"\(number(barWidth))\""
          + " height=\"\(number(barHeight))\" fill=\"\(palette[seriesIndex % palette.count])\">"
          + "<title>\(HTMLRenderer.escape("\(label) \(entry.name): \(number(value))"))</title></rect>\n"
      }
      if index % stride == 0 {
        let room = max(3, Int(group * Double(stride) / 6.5))
        let shown = label.count > room ? String(label.prefix(room - 1)) + "…" : label
        body += text(left + group * (Double(index) + 0.5), bottom + 16, shown, anchor: "middle")
      }
    }
    body += legend(
      series.enumerated().map { ($0.element.name, palette[$0.offset % palette.count]) }, y: 22)
    return frame(title, height: height, body: body)
  }

  static func timeline(_ title: String, _ start: Date, _ end: Date, _ lanes: [TimelineLane])
    -> String
  {
    let laneHeight = 18.0
    let (left, right, top) = (180.0, width - 24, 40.0)
    let height = top + laneHeight * Double(max(lanes.count, 1)) + 56
    let total = max(end.timeIntervalSince(start), 1)
    func x(_ date: Date) -> Double {
      left + max(0, min(1, date.timeIntervalSince(start) / total)) * (right - left)
    }
    var body = ""
    let bottom = top + laneHeight * Double(max(lanes.count, 1))
    // Day ticks (at most about 12).
    let days = Int((total / 86_400).rounded(.up))
    let stride = labelStride(max(days, 1))
    let firstDay = (start.timeIntervalSince1970 / 86_400).rounded(.up) * 86_400
    var tick = Date(timeIntervalSince1970: firstDay)
    var dayIndex = 0
    while tick <= end {
      if dayIndex % stride == 0 {
        let tx = x(tick)
        body +=
          "<line class=\"grid\" x1=\"\(number(tx))\" y1=\"\(number(top))\" x2=\"\(number(tx))\" y2=\"\(number(bottom))\"/>\n"
        let anchor = tx > right - 36 ? "end" : (tx < left + 36 ? "start" : "middle")
        body += text(tx, bottom + 14, CivilDate.day(of: tick), anchor: anchor)
      }
      tick = tick.addingTimeInterval(86_400)
      dayIndex += 1
    }
    var states: [String] = []
    for (index, lane) in lanes.enumerated() {
      let y = top + laneHeight * Double(index)
      body += text(left - 8, y + 13, lane.label, anchor: "end")
      for span in lane.spans {
        if !states.contains(span.state) { states.append(span.state) }
        let x0 = x(span.from)
        let spanWidth = max(1, x(span.to) - x0)
        body +=
          "<rect x=\"\(number(x0))\" y=\"\(number(y + 2))\" width=\"\(number(spanWidth))\""
          + " height=\"\(number(laneHeight - 4))\" fill=\"\(color(forState: span.state))\">"
          + "<title>\(HTMLRenderer.escape("\(lane.label) \(span.state) \(ReportFormatting.iso(span.from)) → \(ReportFormatting.iso(span.to))"))</title></rect>\n"
      }
    }
    body +=
      "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(bottom))\" x2=\"\(number(right))\" y2=\"\(number(bottom))\"/>\n"
    body += legend(states.map { ($0, color(forState: $0)) }, y: height - 14)
    return frame(title, height: height, body: body)
  }

  static func legend(_ entries: [(String, String)], y: Double) -> String {
    var body = ""
    var x = width - 24 - Double(entries.reduce(0) { $0 + 26 + $1.0.count * 7 })
    for (name, color) in entries {
      body +=
        "<rect x=\"\(number(x))\" y=\"\(number(y - 9))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>\n"
      body += text(x + 14, y, name)
      x += 26 + Double(name.count * 7)
    }
    return body
  }
}
