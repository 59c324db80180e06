//! A foreign log's streams, read in the background: listing them groups
//! the whole table (a second or so at a million events), so the first frame
//! is drawn without them and the streams pane fills when they arrive.

use std::sync::mpsc::{self, Receiver};

use super::super::TuiError;
use crate::app::{Chronicle, Mode};
use crate::es::store::StreamInfo;

/// The read in progress.
#[derive(Debug)]
pub struct StreamsJob {
    rx: Receiver<Result<Vec<StreamInfo>, String>>,
}

impl StreamsJob {
    /// Starts reading `chron`'s streams on a connection of its own.
    ///
    /// # Errors
    /// The connection cannot be opened.
    pub fn spawn(chron: &Chronicle) -> Result<Self, TuiError> {
        let chron = chron.reconnect(Mode::Read)?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new().name("chronicle-streams".into()).spawn(move || {
            let _ = tx.send(chron.store().streams().map_err(|e| e.to_string()));
        })?;
        Ok(Self { rx })
    }

    /// The streams (or why they could not be read), once read.
    #[must_use]
    pub fn answer(&self) -> Option<Result<Vec<StreamInfo>, String>> {
        self.rx.try_recv().ok()
    }
}
