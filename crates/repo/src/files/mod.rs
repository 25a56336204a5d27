//! Client files, contact photos and the photo access audit: rows and queries.

mod audit;
mod client_files;
mod photos;
mod row;

pub use audit::PhotoAccessRepository;
pub use client_files::{ClientFilesRepository, FileReference};
pub use photos::ContactPhotos;
pub use row::{ClientFileRow, NewClientFileRow, NewPhotoAccessRow, PhotoAccessRow};
