//! The typst "world" the certificate is compiled in: one template, one JSON data file, the
//! bundled Noto Serif fonts and a fixed date.
//!
//! Nothing here reads the file system, looks up system fonts or reaches the network, so the
//! same content gives the same PDF on every machine. The fonts and the standard library are
//! parsed once per process ([`Assets::get`]); a render only builds the cheap per-document
//! [`CertificateWorld`] around them, which lets typst's memoisation reuse the template's
//! layout work between renders.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Virtual path of the template inside the world.
pub(crate) const TEMPLATE_PATH: &str = "/certificate.typ";
/// Virtual path of the JSON data the template reads with `json("/data.json")`.
pub(crate) const DATA_PATH: &str = "/data.json";

/// The bundled fonts (SIL OFL 1.1, see `fonts/OFL.txt`): Noto Serif with full Vietnamese
/// coverage, and Noto Sans Math for the symbols Noto Serif lacks (− U+2212, ≤, ≥, …) which
/// PDF/A forbids leaving without a glyph.
const FONT_FILES: [&[u8]; 4] = [
    include_bytes!("../fonts/NotoSerif-Regular.ttf"),
    include_bytes!("../fonts/NotoSerif-Bold.ttf"),
    include_bytes!("../fonts/NotoSerif-Italic.ttf"),
    include_bytes!("../fonts/NotoSansMath-Regular.ttf"),
];

/// Process-wide, immutable compilation assets.
pub(crate) struct Assets {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

impl Assets {
    /// The assets, parsed on first use.
    pub(crate) fn get() -> &'static Assets {
        static ASSETS: OnceLock<Assets> = OnceLock::new();
        ASSETS.get_or_init(|| {
            let fonts: Vec<Font> = FONT_FILES
                .iter()
                .flat_map(|data| Font::iter(Bytes::new(*data)))
                .collect();
            let book = FontBook::from_fonts(&fonts);
            Assets {
                library: LazyHash::new(Library::default()),
                book: LazyHash::new(book),
                fonts,
            }
        })
    }

    /// Family names of the bundled fonts (for tests and diagnostics).
    pub(crate) fn families(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .fonts
            .iter()
            .map(|font| font.info().family.clone())
            .collect();
        names.dedup();
        names
    }
}

/// One compilation: the template source, the data and the date `datetime.today()` returns.
pub(crate) struct CertificateWorld {
    assets: &'static Assets,
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Option<Datetime>,
}

impl CertificateWorld {
    /// A world compiling `template` with `data` (JSON) under [`DATA_PATH`].
    pub(crate) fn new(template: Source, data: Vec<u8>, today: Option<Datetime>) -> Self {
        Self {
            assets: Assets::get(),
            main: template,
            data_id: file_id(DATA_PATH),
            data: Bytes::new(data),
            today,
        }
    }
}

/// The file id of an absolute virtual path in the project root.
pub(crate) fn file_id(path: &str) -> FileId {
    let vpath =
        VirtualPath::new(path).expect("invariant: the virtual paths are constant and valid");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl World for CertificateWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.assets.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.assets.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.text().to_owned()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.assets.fonts.get(index).cloned()
    }

    // The document's own date, never the clock: a re-render of an old certificate must not
    // change. The offset is ignored on purpose (the date is already the lab's local date).
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}
