//! Column widths for a table that must fit a pane: text is cut with `…`,
//! ids and numbers are never cut (other columns shrink, then drop, first).

use super::super::text;

/// How a column may give up room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    /// Never cut, never dropped (the row's identity).
    Keep,
    /// Never cut (an id or a number), but dropped whole when there is no room.
    Whole,
    /// Cut with `…` down to a few columns, then dropped.
    Cut,
}

/// One column: its header, how it gives room, and its widest cell.
#[derive(Debug, Clone)]
pub struct Col {
    /// Header text.
    pub header: String,
    /// How it may shrink.
    pub give: Give,
    /// Width of its widest cell (not counting the header).
    pub widest: usize,
    /// Among droppable columns, the highest rank drops first (ties: text
    /// before ids and numbers, then the rightmost).
    pub rank: usize,
    /// For a cut column: narrowest before it is dropped.
    pub least: usize,
}

/// Narrowest a [`Give::Cut`] column gets before it is dropped, by default.
const MIN_CUT: usize = 6;

impl Col {
    /// A column named `header` over `cells`.
    #[must_use]
    pub fn new<'a>(header: &str, give: Give, cells: impl IntoIterator<Item = &'a str>) -> Self {
        let widest = cells.into_iter().map(text::width).max().unwrap_or(0);
        Self { header: header.to_owned(), give, widest, rank: 0, least: MIN_CUT }
    }

    /// This cut column no narrower than `least` (else dropped).
    #[must_use]
    pub fn at_least(mut self, least: usize) -> Self {
        self.least = least;
        self
    }

    /// This column with drop rank `rank` (see [`Col::rank`]).
    #[must_use]
    pub fn rank(mut self, rank: usize) -> Self {
        self.rank = rank;
        self
    }

    /// Width wanted: the widest cell or the header, whichever is wider.
    fn natural(&self) -> usize {
        self.widest.max(text::width(&self.header))
    }

    /// Narrowest width: a cut column a few columns; others their widest
    /// cell (the header is cut to it, but keeps at least 3 columns).
    fn narrowest(&self) -> usize {
        match self.give {
            Give::Cut => self.natural().min(self.least),
            Give::Keep | Give::Whole => self.widest.max(text::width(&self.header).min(3)),
        }
    }
}

/// The width of each column (`None`: dropped) so that the columns and one
/// space between each fit in `room`. Cut columns shrink first (the widest
/// first), then columns are dropped from the right ([`Give::Keep`] never).
/// When even the kept columns do not fit, the last one shown is cut (with
/// `…`) by the caller's [`text::fit`] of the whole row.
#[must_use]
pub fn widths(cols: &[Col], room: usize) -> Vec<Option<usize>> {
    let mut shown: Vec<Option<usize>> = cols.iter().map(|c| Some(c.natural())).collect();
    loop {
        let total = |s: &[Option<usize>]| {
            let n = s.iter().flatten().count();
            s.iter().flatten().sum::<usize>() + n.saturating_sub(1)
        };
        let mut over = total(&shown).saturating_sub(room);
        if over == 0 {
            return shown;
        }
        // Shrink whole columns' headers to their cells.
        for (i, w) in shown.iter_mut().enumerate() {
            if let Some(w) = w.as_mut()
                && cols[i].give != Give::Cut
            {
                let give = (*w - cols[i].narrowest()).min(over);
                *w -= give;
                over -= give;
            }
        }
        if over == 0 {
            return shown;
        }
        // Shrink cut columns, widest first, down to their least.
        while over > 0 {
            let widest = shown
                .iter()
                .enumerate()
                .filter_map(|(i, w)| w.map(|w| (i, w)))
                .filter(|&(i, w)| cols[i].give == Give::Cut && w > cols[i].narrowest())
                .max_by_key(|&(i, w)| (w, usize::MAX - i));
            let Some((i, _)) = widest else { break };
            if let Some(w) = shown[i].as_mut() {
                *w -= 1;
            }
            over -= 1;
        }
        if over == 0 {
            return shown;
        }
        // Drop the highest-ranked (then rightmost) droppable column and
        // start again with room for the rest.
        let Some(drop) = (0..cols.len())
            .filter(|&i| shown[i].is_some() && cols[i].give != Give::Keep)
            .max_by_key(|&i| (cols[i].rank, cols[i].give == Give::Cut, i))
        else {
            return shown;
        };
        shown = cols.iter().enumerate().map(|(i, c)| (shown[i].is_some() && i != drop).then(|| c.natural())).collect();
    }
}

/// `cells` laid out at `widths` (dropped columns skipped), each cut with `…`
/// or padded; numbers (`right`) aligned right.
#[must_use]
pub fn row(cells: &[&str], widths: &[Option<usize>], right: &[bool]) -> String {
    let mut out = String::new();
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        let Some(w) = *w else { continue };
        if !out.is_empty() {
            out.push(' ');
        }
        let cut = text::fit(cell, w);
        let pad = w.saturating_sub(text::width(&cut));
        if right.get(i).copied().unwrap_or(false) {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&cut);
        } else {
            out.push_str(&cut);
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(h: &str, give: Give, cells: &[&str]) -> Col {
        Col::new(h, give, cells.iter().copied())
    }

    #[test]
    fn text_shrinks_before_ids_and_numbers_and_those_drop_whole() {
        let cols = [
            col("id", Give::Keep, &["acc-10", "acc-1"]),
            col("owner", Give::Cut, &["Edsger Spärck Jones"]),
            col("balance", Give::Whole, &["4195151"]),
            col("n", Give::Whole, &["77"]),
        ];
        assert_eq!(widths(&cols, 80), vec![Some(6), Some(19), Some(7), Some(2)]);
        assert_eq!(widths(&cols, 24), vec![Some(6), Some(6), Some(7), Some(2)]);
        // No room for every column: the text goes first, the numbers stay whole.
        assert_eq!(widths(&cols, 21), vec![Some(6), None, Some(7), Some(2)]);
        let r =
            row(&["acc-10", "Edsger Spärck Jones", "4195151", "77"], &widths(&cols, 21), &[false, false, true, true]);
        assert_eq!(r, "acc-10 4195151 77");
        // Then numbers drop whole, from the right.
        let line = super::super::fit_line(ratatui::text::Line::from(vec!["ab".into(), "cd".into()]), 2);
        assert_eq!(line.to_string(), "a…", "a span cut off whole still shows the cut");
        assert_eq!(widths(&cols, 14), vec![Some(6), None, Some(7), None]);
    }
}
