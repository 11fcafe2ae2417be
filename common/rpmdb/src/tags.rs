//! Numeric rpm header tags and value constants (from rpm's `rpmtag.h` / `rpmfiles.h`, 4.18).

/// Region tag of very old headers.
pub const HEADERIMAGE: u32 = 61;
/// Region tag of a package's signature header.
pub const HEADERSIGNATURES: u32 = 62;
/// Region tag of a normal (main) header: the immutable, signed part.
pub const HEADERIMMUTABLE: u32 = 63;
/// Locales of I18NSTRING values.
pub const HEADERI18NTABLE: u32 = 100;

pub const SIGSIZE: u32 = 257;
pub const SIGPGP: u32 = 259;
pub const SIGMD5: u32 = 261;
pub const SIGGPG: u32 = 262;
pub const PUBKEYS: u32 = 266;
pub const DSAHEADER: u32 = 267;
pub const RSAHEADER: u32 = 268;
pub const SHA1HEADER: u32 = 269;
pub const LONGSIGSIZE: u32 = 270;
pub const LONGARCHIVESIZE: u32 = 271;
pub const SHA256HEADER: u32 = 273;

pub const NAME: u32 = 1000;
pub const VERSION: u32 = 1001;
pub const RELEASE: u32 = 1002;
pub const EPOCH: u32 = 1003;
pub const SUMMARY: u32 = 1004;
pub const DESCRIPTION: u32 = 1005;
pub const BUILDTIME: u32 = 1006;
pub const BUILDHOST: u32 = 1007;
pub const INSTALLTIME: u32 = 1008;
pub const SIZE: u32 = 1009;
pub const DISTRIBUTION: u32 = 1010;
pub const VENDOR: u32 = 1011;
pub const LICENSE: u32 = 1014;
pub const PACKAGER: u32 = 1015;
pub const GROUP: u32 = 1016;
pub const URL: u32 = 1020;
pub const OS: u32 = 1021;
pub const ARCH: u32 = 1022;
pub const OLDFILENAMES: u32 = 1027;
pub const FILESIZES: u32 = 1028;
pub const FILESTATES: u32 = 1029;
pub const FILEMODES: u32 = 1030;
pub const FILERDEVS: u32 = 1033;
pub const FILEMTIMES: u32 = 1034;
pub const FILEDIGESTS: u32 = 1035;
pub const FILELINKTOS: u32 = 1036;
pub const FILEFLAGS: u32 = 1037;
pub const FILEUSERNAME: u32 = 1039;
pub const FILEGROUPNAME: u32 = 1040;
pub const SOURCERPM: u32 = 1044;
pub const FILEVERIFYFLAGS: u32 = 1045;
pub const ARCHIVESIZE: u32 = 1046;
pub const PROVIDENAME: u32 = 1047;
pub const REQUIREFLAGS: u32 = 1048;
pub const REQUIRENAME: u32 = 1049;
pub const REQUIREVERSION: u32 = 1050;
pub const CONFLICTFLAGS: u32 = 1053;
pub const CONFLICTNAME: u32 = 1054;
pub const CONFLICTVERSION: u32 = 1055;
pub const OBSOLETENAME: u32 = 1090;
pub const FILEDEVICES: u32 = 1095;
pub const FILEINODES: u32 = 1096;
pub const FILELANGS: u32 = 1097;
pub const PREFIXES: u32 = 1098;
pub const INSTPREFIXES: u32 = 1099;
pub const PROVIDEFLAGS: u32 = 1112;
pub const PROVIDEVERSION: u32 = 1113;
pub const OBSOLETEFLAGS: u32 = 1114;
pub const OBSOLETEVERSION: u32 = 1115;
pub const DIRINDEXES: u32 = 1116;
pub const BASENAMES: u32 = 1117;
pub const DIRNAMES: u32 = 1118;
pub const INSTALLCOLOR: u32 = 1127;
pub const INSTALLTID: u32 = 1128;
pub const FILECOLORS: u32 = 1140;
pub const FILECLASS: u32 = 1141;
pub const CLASSDICT: u32 = 1142;
pub const SOURCEPKGID: u32 = 1146;
pub const DISTTAG: u32 = 1155;
pub const LONGFILESIZES: u32 = 5008;
pub const LONGSIZE: u32 = 5009;
pub const FILECAPS: u32 = 5010;
pub const FILEDIGESTALGO: u32 = 5011;
pub const BUGURL: u32 = 5012;
pub const ENCODING: u32 = 5062;
pub const FILESIGNATURES: u32 = 5090;
pub const PAYLOADDIGEST: u32 = 5092;
pub const PAYLOADDIGESTALGO: u32 = 5093;
pub const MODULARITYLABEL: u32 = 5096;

/// Header value types (`rpmTagType`).
pub mod types {
    pub const NULL: u32 = 0;
    pub const CHAR: u32 = 1;
    pub const INT8: u32 = 2;
    pub const INT16: u32 = 3;
    pub const INT32: u32 = 4;
    pub const INT64: u32 = 5;
    pub const STRING: u32 = 6;
    pub const BIN: u32 = 7;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

/// FILEFLAGS bits (`rpmfileAttrs`).
pub mod fileflags {
    pub const CONFIG: u32 = 1;
    pub const DOC: u32 = 2;
    pub const ICON: u32 = 4;
    pub const MISSINGOK: u32 = 8;
    pub const NOREPLACE: u32 = 16;
    pub const SPECFILE: u32 = 32;
    pub const GHOST: u32 = 64;
    pub const LICENSE: u32 = 128;
    pub const README: u32 = 256;
    pub const PUBKEY: u32 = 2048;
    pub const ARTIFACT: u32 = 4096;
}

/// FILESTATES values (`rpmfileState`).
pub mod filestates {
    pub const NORMAL: u8 = 0;
    pub const REPLACED: u8 = 1;
    pub const NOTINSTALLED: u8 = 2;
    pub const NETSHARED: u8 = 3;
    pub const WRONGCOLOR: u8 = 4;
}

/// Dependency flag bits (`rpmsenseFlags`).
pub mod sense {
    pub const LESS: u32 = 1 << 1;
    pub const GREATER: u32 = 1 << 2;
    pub const EQUAL: u32 = 1 << 3;
}
