//! The CSV files of result folders (`paths.csv`, `timeseries.csv`, the studies' tables), written
//! and read through the `csv` crate: quoting where a cell needs it (a variant or parameter name
//! with a comma or a quote), one header row, and reading errors that name the line.
//!
//! Numbers are written in full precision with a `.` decimal point, the shortest text that reads
//! back to the same `f64`; an undefined value (none, or not finite) is an empty cell. Every file
//! is plain comma-separated UTF-8 that `read.csv`, `import delimited`, `pandas.read_csv` and
//! spreadsheets open as it is.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write};

/// A CSV file being written, row by row, to `W` (a file, or text in memory).
pub struct CsvWriter<W: Write> {
    inner: ::csv::Writer<W>,
    /// The text of a number, reused from cell to cell.
    scratch: String,
}

impl<W: Write> CsvWriter<W> {
    /// A CSV file on `out`, starting with its `header` row.
    pub fn new<T: AsRef<[u8]>>(
        out: W,
        header: impl IntoIterator<Item = T>,
    ) -> io::Result<CsvWriter<W>> {
        let inner = ::csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(::csv::Terminator::Any(b'\n'))
            .from_writer(out);
        let mut w = CsvWriter {
            inner,
            scratch: String::new(),
        };
        w.row(header)?;
        Ok(w)
    }

    /// One row of text cells.
    pub fn row<T: AsRef<[u8]>>(&mut self, cells: impl IntoIterator<Item = T>) -> io::Result<()> {
        Ok(self.inner.write_record(cells)?)
    }

    /// One text cell of the row being written.
    pub fn text(&mut self, cell: &str) -> io::Result<()> {
        Ok(self.inner.write_field(cell)?)
    }

    /// One number of the row being written ([`number`]).
    pub fn number(&mut self, x: Option<f64>) -> io::Result<()> {
        self.scratch.clear();
        if let Some(x) = x.filter(|x| x.is_finite()) {
            let _ = write!(self.scratch, "{x}");
        }
        Ok(self.inner.write_field(&self.scratch)?)
    }

    /// End the row being written.
    pub fn end_row(&mut self) -> io::Result<()> {
        Ok(self.inner.write_record(None::<&[u8]>)?)
    }

    /// Flush and hand back the output.
    pub fn finish(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

impl CsvWriter<Vec<u8>> {
    /// A CSV file in memory, starting with its `header` row.
    pub fn text_file<T: AsRef<[u8]>>(header: impl IntoIterator<Item = T>) -> CsvWriter<Vec<u8>> {
        CsvWriter::new(Vec::new(), header).expect("writing to memory cannot fail")
    }

    /// Add a row of text cells to a file in memory.
    pub fn push<T: AsRef<[u8]>>(&mut self, cells: impl IntoIterator<Item = T>) {
        self.row(cells).expect("writing to memory cannot fail");
    }

    /// The file's text.
    pub fn into_string(self) -> String {
        let bytes = self.finish().expect("writing to memory cannot fail");
        String::from_utf8(bytes).expect("cells are UTF-8 text")
    }
}

/// A number as a cell: full precision, empty when undefined or not finite.
pub fn number(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// The rows of a CSV file, each with its 1-based line: the header first, rows of any width (a
/// short row is for the caller to name with its line), `\r\n` line ends accepted. Lines are
/// counted here, from the bytes, as an editor counts them (the `csv` crate skips blank lines and
/// counts lines by its records); a blank line is an error at its line.
pub struct CsvRows<R: io::Read> {
    records: ::csv::StringRecordsIntoIter<Blanks<R>>,
    done: bool,
}

/// Why a CSV file could not be read, at its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub line: u64,
    pub problem: String,
}

impl<R: io::Read> CsvRows<R> {
    pub fn new(input: R) -> CsvRows<R> {
        let reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Blanks::new(input));
        CsvRows {
            records: reader.into_records(),
            done: false,
        }
    }

    /// The first blank line before byte `before` of the file, if any.
    fn blank_before(&self, before: u64) -> Option<u64> {
        let lines = self.records.reader().get_ref();
        lines
            .blank
            .filter(|(at, _)| *at < before)
            .map(|(_, line)| line)
    }

    /// The line of byte `at` (asked in increasing order).
    fn line_of(&self, at: u64) -> u64 {
        self.records.reader().get_ref().line_of(at)
    }

    /// The next row, with its line.
    pub fn next_row(&mut self) -> Option<Result<(u64, ::csv::StringRecord), ReadError>> {
        self.next().map(|row| {
            row.map(|record| {
                let at = record.position().map_or(0, |p| p.byte());
                (self.line_of(at), record)
            })
        })
    }
}

impl<R: io::Read> Iterator for CsvRows<R> {
    type Item = Result<::csv::StringRecord, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let blank = |line| ReadError {
            line,
            problem: "a blank line".to_string(),
        };
        let item = match self.records.next() {
            None => {
                self.done = true;
                return self.blank_before(u64::MAX).map(|line| Err(blank(line)));
            }
            Some(Ok(record)) => {
                let at = record.position().map_or(0, |p| p.byte());
                match self.blank_before(at) {
                    Some(line) => Err(blank(line)),
                    None => Ok(record),
                }
            }
            Some(Err(e)) => Err(ReadError {
                line: e.position().map_or(1, |p| self.line_of(p.byte())),
                problem: match e.kind() {
                    ::csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".to_string(),
                    _ => format!("cannot read: {e}"),
                },
            }),
        };
        self.done = item.is_err();
        Some(item)
    }
}

/// A reader that counts the lines of its input as they go by: where each line ends (until the
/// rows before it have been read) and where the first blank line is.
pub struct Blanks<R> {
    inner: R,
    /// Bytes and lines read so far, and whether the line being read is still empty.
    offset: u64,
    line: u64,
    empty: bool,
    /// The byte and line of the first blank line.
    blank: Option<(u64, u64)>,
    /// The offsets of the line ends not yet passed by a row, and the lines passed.
    ends: RefCell<VecDeque<u64>>,
    passed: Cell<u64>,
}

impl<R> Blanks<R> {
    fn new(inner: R) -> Blanks<R> {
        Blanks {
            inner,
            offset: 0,
            line: 1,
            empty: true,
            blank: None,
            ends: RefCell::new(VecDeque::new()),
            passed: Cell::new(0),
        }
    }

    /// The 1-based line of byte `at`, asked in increasing order: the line ends before it (or at
    /// it: a row after a `\r\n` starts at its `\n`) are counted and forgotten, so that only
    /// those of the bytes read ahead are kept.
    fn line_of(&self, at: u64) -> u64 {
        let mut ends = self.ends.borrow_mut();
        while ends.front().is_some_and(|end| *end <= at) {
            ends.pop_front();
            self.passed.set(self.passed.get() + 1);
        }
        self.passed.get() + 1
    }
}

impl<R: io::Read> io::Read for Blanks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let ends = self.ends.get_mut();
        for &b in &buf[..n] {
            match b {
                b'\n' => {
                    if self.empty && self.blank.is_none() {
                        self.blank = Some((self.offset, self.line));
                    }
                    ends.push_back(self.offset);
                    self.line += 1;
                    self.empty = true;
                }
                b'\r' => {}
                _ => self.empty = false,
            }
            self.offset += 1;
        }
        Ok(n)
    }
}

/// The 1-based column of each cell of `record` in its line, as an editor counts characters
/// (for an unquoted row; a quoted cell counts from its opening quote on).
pub fn columns(record: &::csv::StringRecord) -> Vec<usize> {
    let mut col = 1;
    record
        .iter()
        .map(|cell| {
            let here = col;
            col += cell.chars().count() + 1;
            here
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_where_they_must_be() {
        let mut w = CsvWriter::text_file(["name", "value"]);
        w.push(["a, b", "1"]);
        w.push(["say \"hi\"", ""]);
        w.push(["plain", "0.5"]);
        assert_eq!(
            w.into_string(),
            "name,value\n\"a, b\",1\n\"say \"\"hi\"\"\",\nplain,0.5\n"
        );
    }

    #[test]
    fn numbers_are_full_precision_and_empty_when_undefined() {
        assert_eq!(number(Some(0.1)), "0.1");
        assert_eq!(number(Some(1.0 / 3.0)), "0.3333333333333333");
        assert_eq!(number(None), "");
        assert_eq!(number(Some(f64::NAN)), "");
        let mut w = CsvWriter::text_file(["x", "y"]);
        w.number(Some(2.5)).unwrap();
        w.number(None).unwrap();
        w.end_row().unwrap();
        assert_eq!(w.into_string(), "x,y\n2.5,\n");
    }

    #[test]
    fn rows_read_back_with_their_lines() {
        let text = "a,b\r\n1,\"x, y\"\n3\n";
        let mut reader = CsvRows::new(text.as_bytes());
        let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
        while let Some(row) = reader.next_row() {
            let (line, rec) = row.unwrap();
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
        assert_eq!(rows[1], (2, vec!["1".to_string(), "x, y".to_string()]));
        assert_eq!(rows.last().unwrap(), &(3, vec!["3".to_string()]));
        // A blank line is named at its line, in the middle or at the end.
        for (text, line) in [("a\n1\n\n2\n", 3), ("a\n1\n\n", 3), ("\na\n", 1)] {
            let e = CsvRows::new(text.as_bytes()).find_map(Result::err).unwrap();
            assert_eq!(
                (e.line, e.problem.as_str()),
                (line, "a blank line"),
                "{text:?}"
            );
        }
    }
}
