//! The timeline: density strip, slider with snapshot marks and the cursor,
//! time labels at both ends and under the cursor.

// Density is approximate by nature: floating point is what it needs.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::app::{App, Focus};
use super::super::text;
use super::{pane, theme_of};

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The slider's row inside the timeline pane.
#[must_use]
pub fn track(timeline: Rect) -> Rect {
    Rect::new(timeline.x + 1, timeline.y + 2, timeline.width.saturating_sub(2), 1)
}

/// The position under column `col` of a track `width` wide.
#[must_use]
pub fn column_to_position(first: u64, head: u64, col: u16, width: u16) -> u64 {
    if width <= 1 || head <= first {
        return head;
    }
    let span = head - first;
    first + (u64::from(col) * span + u64::from(width - 1) / 2) / u64::from(width - 1)
}

/// The column of position `p` on a track `width` wide.
#[must_use]
pub fn position_to_column(first: u64, head: u64, p: u64, width: u16) -> u16 {
    if width <= 1 || head <= first {
        return width.saturating_sub(1);
    }
    let off = p.clamp(first, head) - first;
    let col = (off * u64::from(width - 1) + (head - first) / 2) / (head - first);
    u16::try_from(col).unwrap_or(width - 1)
}

/// Time (µs) of position `p`, interpolated between the samples.
fn time_at(samples: &[(u64, i64)], p: u64) -> Option<f64> {
    let i = samples.partition_point(|s| s.0 < p);
    let (hi_p, hi_t) = *samples.get(i).or_else(|| samples.last())?;
    let (lo_p, lo_t) = *samples.get(i.wrapping_sub(1)).unwrap_or(&(hi_p, hi_t));
    if hi_p == lo_p {
        return Some(hi_t as f64);
    }
    let f = (p.saturating_sub(lo_p)) as f64 / (hi_p - lo_p) as f64;
    Some(lo_t as f64 + f * (hi_t - lo_t) as f64)
}

/// One density level (0..8) per column: events per unit of time, log-scaled.
#[must_use]
pub fn density(app: &App, width: u16) -> Vec<usize> {
    let (first, head) = (app.first(), app.head);
    let samples = &app.overview.samples;
    let rates: Vec<f64> = (0..width)
        .map(|c| {
            let p0 = column_to_position(first, head, c, width).min(head.saturating_sub(1)).max(first);
            let p1 = column_to_position(first, head, c + 1, width).min(head).max(p0 + 1);
            match (time_at(samples, p0), time_at(samples, p1)) {
                (Some(a), Some(b)) => (p1 - p0) as f64 / ((b - a).abs() + 1_000.0),
                _ => 0.0,
            }
        })
        .map(f64::ln_1p)
        .collect();
    let max = rates.iter().copied().fold(0.0, f64::max);
    let min = rates.iter().copied().fold(max, f64::min);
    rates
        .iter()
        .map(|r| if max - min < 1e-9 { 3 } else { (((r - min) / (max - min)) * 7.0).round() as usize })
        .collect()
}

/// Draws the timeline pane.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let t = theme_of(app);
    let mut status = vec![Span::styled(format!(" {}/{}", app.cursor, app.head), t.title)];
    if app.playing {
        status.push(Span::styled(format!(" · ▶ playing {}", app.speed.label()), t.success));
    }
    if app.follow {
        status.push(Span::styled(" · ● following head", t.success));
    }
    if let Some(pct) = app.building_pct() {
        status.push(Span::styled(format!(" · building keyframes {pct}%"), t.info));
    } else if app.folding() {
        status.push(Span::styled(format!(" · folding… ({})", app.world.position), t.info));
    }
    if let Some(m) = app.mark {
        status.push(Span::styled(format!(" · mark @{m}"), t.cursor));
    }
    if app.mouse {
        // Captured, the mouse no longer selects text: say how to.
        status.push(Span::styled(" · mouse on: Shift selects, m off", t.muted));
    }
    status.push(Span::raw(" "));
    let status = Line::from(status);
    // The store's path gives way to the position (cut with `…`).
    let room = area.width.saturating_sub(u16::try_from(status.width()).unwrap_or(u16::MAX)).saturating_sub(6);
    let mut title = vec![Span::styled("chronicle", t.title)];
    if let Some(badge) = super::branch::badge(app) {
        title.extend([Span::raw(" "), badge]);
    }
    title.push(Span::styled(format!(" · {}", text::clean(&app.db_label)), t.muted));
    let title = super::fit_line(Line::from(title), room);
    let block = pane(app, area.width, Focus::Timeline, title).title_top(status.right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 3 || inner.width < 4 {
        return;
    }
    if app.head == 0 {
        buf.set_string(inner.x, inner.y + 1, "── no events yet ──", t.muted);
        return;
    }
    let (first, head, w) = (app.first(), app.head, inner.width);
    let cursor_col = position_to_column(first, head, app.cursor, w);
    for (c, level) in density(app, w).into_iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        buf.set_string(inner.x + c, inner.y, LEVELS[level.min(7)].to_string(), t.density);
    }
    let mut snaps = vec![false; usize::from(w)];
    for p in &app.overview.snapshots {
        snaps[usize::from(position_to_column(first, head, *p, w))] = true;
    }
    for c in 0..w {
        let done = c <= cursor_col;
        let (ch, style) = match (snaps[usize::from(c)], done) {
            (true, true) => ('┿', t.snapshot),
            (true, false) => ('┼', t.snapshot),
            (false, true) => ('━', t.track_done),
            (false, false) => ('─', t.track_todo),
        };
        buf.set_string(inner.x + c, inner.y + 1, ch.to_string(), style);
    }
    if let Some(m) = app.mark {
        buf.set_string(inner.x + position_to_column(first, head, m, w), inner.y + 1, "▼", t.cursor);
    }
    if let Some(b) = &app.branch {
        buf.set_string(inner.x + position_to_column(first, head, b.at, w), inner.y + 1, "╳", t.branch);
    }
    buf.set_string(inner.x + cursor_col, inner.y + 1, "◆", t.cursor);
    let left = text::short_time(&app.overview.first_time);
    let right = text::short_time(&app.overview.last_time);
    let y = inner.y + 2;
    let now = app.cursor_event().map_or_else(|| "…".to_owned(), |e| text::short_time(&e.stored.recorded_at));
    let label = format!("▲ {now}");
    let lw = u16::try_from(label.chars().count()).unwrap_or(0);
    let x = (inner.x + cursor_col).min(inner.right().saturating_sub(lw)).max(inner.x);
    // The ends' times only where they do not run into the cursor's.
    let width = |s: &str| u16::try_from(s.chars().count()).unwrap_or(u16::MAX);
    if inner.x + width(&left) < x {
        buf.set_string(inner.x, y, &left, t.muted);
    }
    let rx = inner.right().saturating_sub(width(&right));
    if rx > x + lw {
        buf.set_string(rx, y, &right, t.muted);
    }
    buf.set_string(x, y, &label, t.cursor);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_positions_round_trip_at_the_ends() {
        assert_eq!(column_to_position(1, 3000, 0, 100), 1);
        assert_eq!(column_to_position(1, 3000, 99, 100), 3000);
        assert_eq!(position_to_column(1, 3000, 1, 100), 0);
        assert_eq!(position_to_column(1, 3000, 3000, 100), 99);
        assert_eq!(position_to_column(1, 1, 1, 100), 99);
    }
}
