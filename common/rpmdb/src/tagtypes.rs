//! The type rpm gives each tag it knows, for the check rpm makes of the entries of a header's
//! immutable region as it reads the header (`hdrchkTagType` in rpm's lib/header.c): a known tag
//! stored with another type is a damaged header, except that string types may stand for one
//! another.
//!
//! The table is rpm 4.18's tag table: the type comments of `include/rpm/rpmtag.h`, which rpm's
//! `lib/gentagtbl.sh` turns into its table (tags marked internal or unimplemented are left out
//! there, and so unknown to the check, as here).

use crate::tags::types::{BIN, CHAR, I18NSTRING, INT16, INT32, INT64, STRING, STRING_ARRAY};

/// (tag, type), sorted by tag.
const TAG_TYPES: [(u32, u32); 226] = [
    (100, STRING_ARRAY),  // HEADERI18NTABLE
    (257, INT32),         // SIGSIZE
    (259, BIN),           // SIGPGP
    (261, BIN),           // SIGMD5
    (262, BIN),           // SIGGPG
    (266, STRING_ARRAY),  // PUBKEYS
    (267, BIN),           // DSAHEADER
    (268, BIN),           // RSAHEADER
    (269, STRING),        // SHA1HEADER
    (270, INT64),         // LONGSIGSIZE
    (271, INT64),         // LONGARCHIVESIZE
    (273, STRING),        // SHA256HEADER
    (276, STRING_ARRAY),  // VERITYSIGNATURES
    (277, INT32),         // VERITYSIGNATUREALGO
    (1000, STRING),       // NAME
    (1001, STRING),       // VERSION
    (1002, STRING),       // RELEASE
    (1003, INT32),        // EPOCH
    (1004, I18NSTRING),   // SUMMARY
    (1005, I18NSTRING),   // DESCRIPTION
    (1006, INT32),        // BUILDTIME
    (1007, STRING),       // BUILDHOST
    (1008, INT32),        // INSTALLTIME
    (1009, INT32),        // SIZE
    (1010, STRING),       // DISTRIBUTION
    (1011, STRING),       // VENDOR
    (1012, BIN),          // GIF
    (1013, BIN),          // XPM
    (1014, STRING),       // LICENSE
    (1015, STRING),       // PACKAGER
    (1016, I18NSTRING),   // GROUP
    (1018, STRING_ARRAY), // SOURCE
    (1019, STRING_ARRAY), // PATCH
    (1020, STRING),       // URL
    (1021, STRING),       // OS
    (1022, STRING),       // ARCH
    (1023, STRING),       // PREIN
    (1024, STRING),       // POSTIN
    (1025, STRING),       // PREUN
    (1026, STRING),       // POSTUN
    (1027, STRING_ARRAY), // OLDFILENAMES
    (1028, INT32),        // FILESIZES
    (1029, CHAR),         // FILESTATES
    (1030, INT16),        // FILEMODES
    (1033, INT16),        // FILERDEVS
    (1034, INT32),        // FILEMTIMES
    (1035, STRING_ARRAY), // FILEDIGESTS
    (1036, STRING_ARRAY), // FILELINKTOS
    (1037, INT32),        // FILEFLAGS
    (1039, STRING_ARRAY), // FILEUSERNAME
    (1040, STRING_ARRAY), // FILEGROUPNAME
    (1043, BIN),          // ICON
    (1044, STRING),       // SOURCERPM
    (1045, INT32),        // FILEVERIFYFLAGS
    (1046, INT32),        // ARCHIVESIZE
    (1047, STRING_ARRAY), // PROVIDENAME
    (1048, INT32),        // REQUIREFLAGS
    (1049, STRING_ARRAY), // REQUIRENAME
    (1050, STRING_ARRAY), // REQUIREVERSION
    (1051, INT32),        // NOSOURCE
    (1052, INT32),        // NOPATCH
    (1053, INT32),        // CONFLICTFLAGS
    (1054, STRING_ARRAY), // CONFLICTNAME
    (1055, STRING_ARRAY), // CONFLICTVERSION
    (1059, STRING_ARRAY), // EXCLUDEARCH
    (1060, STRING_ARRAY), // EXCLUDEOS
    (1061, STRING_ARRAY), // EXCLUSIVEARCH
    (1062, STRING_ARRAY), // EXCLUSIVEOS
    (1064, STRING),       // RPMVERSION
    (1065, STRING_ARRAY), // TRIGGERSCRIPTS
    (1066, STRING_ARRAY), // TRIGGERNAME
    (1067, STRING_ARRAY), // TRIGGERVERSION
    (1068, INT32),        // TRIGGERFLAGS
    (1069, INT32),        // TRIGGERINDEX
    (1079, STRING),       // VERIFYSCRIPT
    (1080, INT32),        // CHANGELOGTIME
    (1081, STRING_ARRAY), // CHANGELOGNAME
    (1082, STRING_ARRAY), // CHANGELOGTEXT
    (1085, STRING_ARRAY), // PREINPROG
    (1086, STRING_ARRAY), // POSTINPROG
    (1087, STRING_ARRAY), // PREUNPROG
    (1088, STRING_ARRAY), // POSTUNPROG
    (1089, STRING_ARRAY), // BUILDARCHS
    (1090, STRING_ARRAY), // OBSOLETENAME
    (1091, STRING_ARRAY), // VERIFYSCRIPTPROG
    (1092, STRING_ARRAY), // TRIGGERSCRIPTPROG
    (1094, STRING),       // COOKIE
    (1095, INT32),        // FILEDEVICES
    (1096, INT32),        // FILEINODES
    (1097, STRING_ARRAY), // FILELANGS
    (1098, STRING_ARRAY), // PREFIXES
    (1099, STRING_ARRAY), // INSTPREFIXES
    (1106, INT32),        // SOURCEPACKAGE
    (1112, INT32),        // PROVIDEFLAGS
    (1113, STRING_ARRAY), // PROVIDEVERSION
    (1114, INT32),        // OBSOLETEFLAGS
    (1115, STRING_ARRAY), // OBSOLETEVERSION
    (1116, INT32),        // DIRINDEXES
    (1117, STRING_ARRAY), // BASENAMES
    (1118, STRING_ARRAY), // DIRNAMES
    (1119, INT32),        // ORIGDIRINDEXES
    (1120, STRING_ARRAY), // ORIGBASENAMES
    (1121, STRING_ARRAY), // ORIGDIRNAMES
    (1122, STRING),       // OPTFLAGS
    (1123, STRING),       // DISTURL
    (1124, STRING),       // PAYLOADFORMAT
    (1125, STRING),       // PAYLOADCOMPRESSOR
    (1126, STRING),       // PAYLOADFLAGS
    (1127, INT32),        // INSTALLCOLOR
    (1128, INT32),        // INSTALLTID
    (1129, INT32),        // REMOVETID
    (1132, STRING),       // PLATFORM
    (1133, STRING_ARRAY), // PATCHESNAME
    (1134, INT32),        // PATCHESFLAGS
    (1135, STRING_ARRAY), // PATCHESVERSION
    (1140, INT32),        // FILECOLORS
    (1141, INT32),        // FILECLASS
    (1142, STRING_ARRAY), // CLASSDICT
    (1143, INT32),        // FILEDEPENDSX
    (1144, INT32),        // FILEDEPENDSN
    (1145, INT32),        // DEPENDSDICT
    (1146, BIN),          // SOURCEPKGID
    (1147, STRING_ARRAY), // FILECONTEXTS
    (1148, STRING_ARRAY), // FSCONTEXTS
    (1149, STRING_ARRAY), // RECONTEXTS
    (1150, STRING_ARRAY), // POLICIES
    (1151, STRING),       // PRETRANS
    (1152, STRING),       // POSTTRANS
    (1153, STRING_ARRAY), // PRETRANSPROG
    (1154, STRING_ARRAY), // POSTTRANSPROG
    (1155, STRING),       // DISTTAG
    (1156, STRING_ARRAY), // OLDSUGGESTSNAME
    (1157, STRING_ARRAY), // OLDSUGGESTSVERSION
    (1158, INT32),        // OLDSUGGESTSFLAGS
    (1159, STRING_ARRAY), // OLDENHANCESNAME
    (1160, STRING_ARRAY), // OLDENHANCESVERSION
    (1161, INT32),        // OLDENHANCESFLAGS
    (1195, INT32),        // DBINSTANCE
    (1196, STRING),       // NVRA
    (5000, STRING_ARRAY), // FILENAMES
    (5001, STRING_ARRAY), // FILEPROVIDE
    (5002, STRING_ARRAY), // FILEREQUIRE
    (5005, STRING_ARRAY), // TRIGGERCONDS
    (5006, STRING_ARRAY), // TRIGGERTYPE
    (5007, STRING_ARRAY), // ORIGFILENAMES
    (5008, INT64),        // LONGFILESIZES
    (5009, INT64),        // LONGSIZE
    (5010, STRING_ARRAY), // FILECAPS
    (5011, INT32),        // FILEDIGESTALGO
    (5012, STRING),       // BUGURL
    (5013, STRING),       // EVR
    (5014, STRING),       // NVR
    (5015, STRING),       // NEVR
    (5016, STRING),       // NEVRA
    (5017, INT32),        // HEADERCOLOR
    (5018, INT32),        // VERBOSE
    (5019, INT32),        // EPOCHNUM
    (5020, INT32),        // PREINFLAGS
    (5021, INT32),        // POSTINFLAGS
    (5022, INT32),        // PREUNFLAGS
    (5023, INT32),        // POSTUNFLAGS
    (5024, INT32),        // PRETRANSFLAGS
    (5025, INT32),        // POSTTRANSFLAGS
    (5026, INT32),        // VERIFYSCRIPTFLAGS
    (5027, INT32),        // TRIGGERSCRIPTFLAGS
    (5030, STRING_ARRAY), // POLICYNAMES
    (5031, STRING_ARRAY), // POLICYTYPES
    (5032, INT32),        // POLICYTYPESINDEXES
    (5033, INT32),        // POLICYFLAGS
    (5034, STRING),       // VCS
    (5035, STRING_ARRAY), // ORDERNAME
    (5036, STRING_ARRAY), // ORDERVERSION
    (5037, INT32),        // ORDERFLAGS
    (5040, STRING_ARRAY), // INSTFILENAMES
    (5041, STRING_ARRAY), // REQUIRENEVRS
    (5042, STRING_ARRAY), // PROVIDENEVRS
    (5043, STRING_ARRAY), // OBSOLETENEVRS
    (5044, STRING_ARRAY), // CONFLICTNEVRS
    (5045, INT32),        // FILENLINKS
    (5046, STRING_ARRAY), // RECOMMENDNAME
    (5047, STRING_ARRAY), // RECOMMENDVERSION
    (5048, INT32),        // RECOMMENDFLAGS
    (5049, STRING_ARRAY), // SUGGESTNAME
    (5050, STRING_ARRAY), // SUGGESTVERSION
    (5051, INT32),        // SUGGESTFLAGS
    (5052, STRING_ARRAY), // SUPPLEMENTNAME
    (5053, STRING_ARRAY), // SUPPLEMENTVERSION
    (5054, INT32),        // SUPPLEMENTFLAGS
    (5055, STRING_ARRAY), // ENHANCENAME
    (5056, STRING_ARRAY), // ENHANCEVERSION
    (5057, INT32),        // ENHANCEFLAGS
    (5058, STRING_ARRAY), // RECOMMENDNEVRS
    (5059, STRING_ARRAY), // SUGGESTNEVRS
    (5060, STRING_ARRAY), // SUPPLEMENTNEVRS
    (5061, STRING_ARRAY), // ENHANCENEVRS
    (5062, STRING),       // ENCODING
    (5066, STRING_ARRAY), // FILETRIGGERSCRIPTS
    (5067, STRING_ARRAY), // FILETRIGGERSCRIPTPROG
    (5068, INT32),        // FILETRIGGERSCRIPTFLAGS
    (5069, STRING_ARRAY), // FILETRIGGERNAME
    (5070, INT32),        // FILETRIGGERINDEX
    (5071, STRING_ARRAY), // FILETRIGGERVERSION
    (5072, INT32),        // FILETRIGGERFLAGS
    (5076, STRING_ARRAY), // TRANSFILETRIGGERSCRIPTS
    (5077, STRING_ARRAY), // TRANSFILETRIGGERSCRIPTPROG
    (5078, INT32),        // TRANSFILETRIGGERSCRIPTFLAGS
    (5079, STRING_ARRAY), // TRANSFILETRIGGERNAME
    (5080, INT32),        // TRANSFILETRIGGERINDEX
    (5081, STRING_ARRAY), // TRANSFILETRIGGERVERSION
    (5082, INT32),        // TRANSFILETRIGGERFLAGS
    (5084, INT32),        // FILETRIGGERPRIORITIES
    (5085, INT32),        // TRANSFILETRIGGERPRIORITIES
    (5086, STRING_ARRAY), // FILETRIGGERCONDS
    (5087, STRING_ARRAY), // FILETRIGGERTYPE
    (5088, STRING_ARRAY), // TRANSFILETRIGGERCONDS
    (5089, STRING_ARRAY), // TRANSFILETRIGGERTYPE
    (5090, STRING_ARRAY), // FILESIGNATURES
    (5091, INT32),        // FILESIGNATURELENGTH
    (5092, STRING_ARRAY), // PAYLOADDIGEST
    (5093, INT32),        // PAYLOADDIGESTALGO
    (5096, STRING),       // MODULARITYLABEL
    (5097, STRING_ARRAY), // PAYLOADDIGESTALT
    (5098, STRING),       // ARCHSUFFIX
    (5099, STRING),       // SPEC
    (5100, STRING),       // TRANSLATIONURL
    (5101, STRING),       // UPSTREAMRELEASES
];

/// The type rpm 4.18 gives `tag`, if it knows the tag.
pub fn known_type(tag: u32) -> Option<u32> {
    TAG_TYPES
        .binary_search_by_key(&tag, |&(t, _)| t)
        .ok()
        .map(|i| TAG_TYPES[i].1)
}

/// Whether rpm refuses `tag` stored with type `ty` in an immutable region: it knows the tag,
/// with another type, and the two are not both string types.
pub fn type_mismatch(tag: u32, ty: u32) -> bool {
    let is_string = |t| matches!(t, STRING | STRING_ARRAY | I18NSTRING);
    match known_type(tag) {
        None => false,
        Some(t) => t != ty && !(is_string(t) && is_string(ty)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_holds_what_the_parser_relies_on() {
        assert!(TAG_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(known_type(crate::tags::NAME), Some(STRING));
        assert_eq!(known_type(crate::tags::BASENAMES), Some(STRING_ARRAY));
        assert_eq!(known_type(crate::tags::DIRINDEXES), Some(INT32));
        assert_eq!(known_type(crate::tags::FILESIZES), Some(INT32));
        assert_eq!(known_type(1), None);
        assert!(type_mismatch(crate::tags::NAME, INT32));
        assert!(!type_mismatch(crate::tags::NAME, I18NSTRING));
        assert!(!type_mismatch(99_999, INT32));
    }
}
