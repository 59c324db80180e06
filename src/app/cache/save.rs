//! Writing the keyframe cache: the frames past what the file covers, each
//! frame interval's sums (`sums.rs`), the head world whole, and the header.

use super::counts::Counts;
use super::frame::Encoder;
use super::{FORMAT, Header, KeyframeCache, fingerprint, plain_event};
use crate::app::{Chronicle, Timeline};
use crate::es::store::Summing;

impl KeyframeCache {
    /// Writes the keyframes `timeline` holds past what the file covers, and
    /// the world it has folded to (the head, when built). Returns how many
    /// frames were written.
    ///
    /// # Errors
    /// The log cannot be read, or the file cannot be written.
    pub fn save(&mut self, chron: &Chronicle, timeline: &Timeline) -> Result<usize, String> {
        let since = self.encoder.position();
        // Counts carry on from the last frame's (none: from position 1).
        let mut counts = if since == 0 { Some(Counts::default()) } else { self.encoder.counts().cloned() };
        let mut at = since;
        let mut frames = Vec::new();
        let mut sums = Vec::new();
        for w in timeline.worlds_after(since) {
            if let Some(c) = counts.as_mut() {
                // One payload-free read per interval gives both its counts
                // (carried on into the frame) and its streams touched.
                let mut sum = Summing::default();
                chron.store().sum_range(at, w.position, &mut sum).map_err(|e| e.to_string())?;
                let sum = sum.finish();
                c.add(&sum);
                if w.position > at {
                    sums.push((at, w.position, super::sums::encode(&sum)?));
                }
            }
            at = w.position;
            frames.push((w.position, self.encoder.encode_counted(w, counts.clone())?));
        }
        let Some(&(head, _)) = frames.last() else { return Ok(0) };
        // The last world also whole, for a quick first frame next time.
        let whole = match timeline.worlds_after(since).last() {
            Some(w) => Encoder::default().encode(w)?,
            None => return Ok(0),
        };
        let fp = |p: u64| -> Result<String, String> {
            plain_event(chron, p)?.map(|e| fingerprint(&e)).ok_or_else(|| format!("no event at position {p}"))
        };
        let problems = timeline.worlds_after(since).last().map(|w| w.problems.len() as u64);
        let header = Header {
            log: self.log.clone(),
            layout: self.layout.clone(),
            first: fp(1)?,
            head,
            last: fp(head)?,
            problems,
            format: FORMAT,
        };
        let io = |e: String| format!("cache {}: {e}", self.path.display());
        if self.header.is_none() {
            self.file.reset(&header).map_err(io)?;
        }
        self.file.append(&header, &frames, &sums, &whole).map_err(io)?;
        self.header = Some(header);
        Ok(frames.len())
    }
}
