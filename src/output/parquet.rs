//! `paths.parquet`: the per-path outcomes of `paths.csv` in Apache Parquet, columnar and
//! compressed (Snappy), read as they are by pandas, polars, R (arrow) and DuckDB. One row per
//! path: `path` (INT64), then every scalar metric in the order of `summary.json` (DOUBLE,
//! optional: null where the metric is undefined on the path, as an empty cell of `paths.csv`),
//! then after a run with parameter uncertainty one `uncertain.<name>` column per parameter
//! (DOUBLE). The values are the engine's doubles, bit for bit (the CSV's text is their shortest
//! decimal, which reads back to the same doubles).
//!
//! Row groups hold [`ROW_GROUP_PATHS`] paths (the last fewer) whatever way the rows arrive, and
//! every column of a row group is written in one batch, so a run and a merge of its shards
//! write the same bytes. Written without `arrow` through the `parquet` crate's column writers.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, Repetition, Type as PhysicalType};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::engine::PathOutcome;
use crate::metrics::Scalar;

/// Paths per row group.
pub const ROW_GROUP_PATHS: usize = 1 << 16;

fn other(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::other(e.to_string())
}

/// The schema of `paths.parquet` with the extra columns `extra`.
fn schema(extra: &[String]) -> io::Result<Arc<Type>> {
    let column = |name: &str, ty: PhysicalType, repetition: Repetition| {
        Type::primitive_type_builder(name, ty)
            .with_repetition(repetition)
            .build()
            .map(Arc::new)
            .map_err(other)
    };
    let mut fields = vec![column("path", PhysicalType::INT64, Repetition::REQUIRED)?];
    for m in Scalar::ALL {
        fields.push(column(
            m.name(),
            PhysicalType::DOUBLE,
            Repetition::OPTIONAL,
        )?);
    }
    for name in extra {
        fields.push(column(name, PhysicalType::DOUBLE, Repetition::REQUIRED)?);
    }
    Type::group_type_builder("paths")
        .with_fields(fields)
        .build()
        .map(Arc::new)
        .map_err(other)
}

/// `paths.parquet`, written row group by row group as the paths come in.
pub struct PathsParquet {
    writer: SerializedFileWriter<BufWriter<File>>,
    path: Vec<i64>,
    /// Per scalar metric: the defined values, and a definition level per path (1 defined).
    values: Vec<Vec<f64>>,
    defined: Vec<Vec<i16>>,
    extra: Vec<Vec<f64>>,
}

impl PathsParquet {
    /// Create the file, with a column after the metrics for each of `extra`.
    pub fn create(path: &Path, extra: &[String]) -> io::Result<PathsParquet> {
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_created_by(format!("microfolio {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let writer =
            SerializedFileWriter::new(file, schema(extra)?, Arc::new(properties)).map_err(other)?;
        Ok(PathsParquet {
            writer,
            path: Vec::with_capacity(ROW_GROUP_PATHS),
            values: vec![Vec::new(); Scalar::COUNT],
            defined: vec![Vec::new(); Scalar::COUNT],
            extra: vec![Vec::new(); extra.len()],
        })
    }

    /// Append path `o`'s row, ending with the values `drawn`; a full row group is written.
    pub fn row(&mut self, o: &PathOutcome, drawn: Vec<f64>) -> io::Result<()> {
        self.path.push(o.index as i64);
        for (k, v) in o.scalars.iter().enumerate() {
            match v {
                Some(x) => {
                    self.values[k].push(*x);
                    self.defined[k].push(1);
                }
                None => self.defined[k].push(0),
            }
        }
        if drawn.len() != self.extra.len() {
            return Err(io::Error::other(
                "a path with another number of drawn values",
            ));
        }
        for (column, x) in self.extra.iter_mut().zip(drawn) {
            column.push(x);
        }
        if self.path.len() == ROW_GROUP_PATHS {
            self.flush()?;
        }
        Ok(())
    }

    /// Write the rows held as one row group, each column in one batch.
    fn flush(&mut self) -> io::Result<()> {
        if self.path.is_empty() {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(other)?;
        let mut column = 0;
        while let Some(mut writer) = group.next_column().map_err(other)? {
            if column == 0 {
                writer
                    .typed::<Int64Type>()
                    .write_batch(&self.path, None, None)
                    .map_err(other)?;
            } else if column <= Scalar::COUNT {
                let k = column - 1;
                writer
                    .typed::<DoubleType>()
                    .write_batch(&self.values[k], Some(&self.defined[k]), None)
                    .map_err(other)?;
            } else {
                writer
                    .typed::<DoubleType>()
                    .write_batch(&self.extra[column - 1 - Scalar::COUNT], None, None)
                    .map_err(other)?;
            }
            writer.close().map_err(other)?;
            column += 1;
        }
        group.close().map_err(other)?;
        self.path.clear();
        self.values.iter_mut().for_each(Vec::clear);
        self.defined.iter_mut().for_each(Vec::clear);
        self.extra.iter_mut().for_each(Vec::clear);
        Ok(())
    }

    /// Write the last row group and the footer, flush and sync, reporting any error.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        let file = self.writer.into_inner().map_err(other)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// A `paths.parquet` opened for reading, its schema checked against this microfolio's.
pub struct ParquetPaths {
    reader: SerializedFileReader<File>,
}

impl ParquetPaths {
    /// Open `path`, whose columns must be `path`, every scalar metric and the `extra` columns,
    /// in that order and of their types; the reason when it is not such a file.
    pub fn open(path: &Path, extra: &[String]) -> Result<ParquetPaths, String> {
        let file = File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        let reader = SerializedFileReader::new(file)
            .map_err(|e| format!("not a readable Parquet file: {e}"))?;
        let schema = reader.metadata().file_metadata().schema_descr();
        let mut expected: Vec<(String, PhysicalType, i16)> =
            vec![("path".into(), PhysicalType::INT64, 0)];
        expected.extend(
            Scalar::ALL
                .iter()
                .map(|m| (m.name().to_string(), PhysicalType::DOUBLE, 1)),
        );
        expected.extend(extra.iter().map(|n| (n.clone(), PhysicalType::DOUBLE, 0)));
        let found: Vec<(String, PhysicalType, i16)> = (0..schema.num_columns())
            .map(|i| {
                let c = schema.column(i);
                (c.name().to_string(), c.physical_type(), c.max_def_level())
            })
            .collect();
        if found != expected {
            let describe = |v: &[(String, PhysicalType, i16)]| {
                v.iter()
                    .map(|(n, t, d)| format!("{n} {t}{}", if *d > 0 { " (nullable)" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let first = found
                .iter()
                .zip(&expected)
                .position(|(a, b)| a != b)
                .unwrap_or(found.len().min(expected.len()));
            return Err(format!(
                "its columns are not those of this run's paths: column {} is {}, expected {} \
                 (all expected: {})",
                first + 1,
                found
                    .get(first)
                    .map_or("missing".to_string(), |c| describe(std::slice::from_ref(c))),
                expected
                    .get(first)
                    .map_or("none".to_string(), |c| describe(std::slice::from_ref(c))),
                describe(&expected)
            ));
        }
        Ok(ParquetPaths { reader })
    }

    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        self.reader.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Row groups in the file.
    pub fn groups(&self) -> usize {
        self.reader.num_row_groups()
    }

    /// Rows of row group `g`.
    fn group_rows(&self, g: usize) -> usize {
        self.reader.metadata().row_group(g).num_rows().max(0) as usize
    }

    /// The `path` column of row group `g`.
    pub fn paths(&self, g: usize) -> Result<Vec<i64>, String> {
        let rows = self.group_rows(g);
        let group = self.reader.get_row_group(g).map_err(|e| e.to_string())?;
        let ColumnReader::Int64ColumnReader(mut r) =
            group.get_column_reader(0).map_err(|e| e.to_string())?
        else {
            return Err("the path column is not INT64".into());
        };
        let mut values = Vec::with_capacity(rows);
        while values.len() < rows {
            let (records, _, _) = r
                .read_records(rows - values.len(), None, None, &mut values)
                .map_err(|e| e.to_string())?;
            if records == 0 {
                return Err(format!("row group {} ends before its {rows} rows", g + 1));
            }
        }
        Ok(values)
    }

    /// Column `column` (a DOUBLE column, counted from 0 with `path`) of row group `g`, `None`
    /// where null.
    pub fn doubles(&self, g: usize, column: usize) -> Result<Vec<Option<f64>>, String> {
        let rows = self.group_rows(g);
        let group = self.reader.get_row_group(g).map_err(|e| e.to_string())?;
        let ColumnReader::DoubleColumnReader(mut r) =
            group.get_column_reader(column).map_err(|e| e.to_string())?
        else {
            return Err(format!("column {} is not DOUBLE", column + 1));
        };
        let nullable = self
            .reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .column(column)
            .max_def_level()
            > 0;
        let mut values = Vec::with_capacity(rows);
        let mut levels = Vec::with_capacity(rows);
        let mut read = 0;
        while read < rows {
            let (records, _, _) = r
                .read_records(
                    rows - read,
                    nullable.then_some(&mut levels),
                    None,
                    &mut values,
                )
                .map_err(|e| e.to_string())?;
            if records == 0 {
                return Err(format!("row group {} ends before its {rows} rows", g + 1));
            }
            read += records;
        }
        if !nullable {
            return Ok(values.into_iter().map(Some).collect());
        }
        if levels.len() != rows || levels.iter().filter(|l| **l > 0).count() != values.len() {
            return Err(format!(
                "column {} of row group {} is damaged",
                column + 1,
                g + 1
            ));
        }
        let mut values = values.into_iter();
        Ok(levels
            .iter()
            .map(|l| if *l > 0 { values.next() } else { None })
            .collect())
    }
}
