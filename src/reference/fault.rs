//! The fault catalogue: one enum per API ([`super::toluna::Fault`],
//! [`super::onsi::Fault`]), each variant written once with its command-line
//! name and summary by [`fault_catalogue!`], and [`Faults`], the set switched
//! on in a server. A fault acts where the server asks `faults.has(Fault::X)`,
//! so a misspelt or removed fault is a compile error, not a silent no-op.

use super::switches::{Named, Switches};
use super::{Api, onsi, toluna};

/// Declares an API's fault enum. Each entry is
/// `Variant = "api-kebab-name": "summary naming the documented statement"`;
/// the name is the user-facing one (`--fault NAME`, reports, `verity
/// mutants`). A test checks each name is the API's prefix and the variant in
/// kebab case, so the two cannot drift apart.
macro_rules! fault_catalogue {
    ($api:ident; $( $(#[$doc:meta])* $variant:ident = $name:literal : $summary:expr, )+) => {
        /// The faults of this API's reference server: one plausible bug each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $( $(#[$doc])* $variant, )+
        }

        impl Fault {
            /// Every fault, in catalogue order.
            pub const ALL: &'static [Fault] = &[ $( Fault::$variant, )+ ];

            /// Its catalogue entry.
            pub const fn info(self) -> &'static $crate::reference::FaultInfo {
                &INFOS[self as usize]
            }
        }

        impl From<Fault> for $crate::reference::Fault {
            fn from(fault: Fault) -> Self {
                $crate::reference::Fault::$api(fault)
            }
        }

        /// Indexed by the variant's discriminant, so in [`Fault::ALL`]'s order.
        const INFOS: &[$crate::reference::FaultInfo] = &[ $(
            $crate::reference::FaultInfo {
                fault: $crate::reference::Fault::$api(Fault::$variant),
                name: $name,
                api: $crate::reference::Api::$api,
                summary: $summary,
            },
        )+ ];
    };
}

pub(crate) use fault_catalogue;

/// A fault of either server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    Toluna(toluna::Fault),
    Onsi(onsi::Fault),
}

impl Fault {
    pub const fn info(self) -> &'static FaultInfo {
        match self {
            Fault::Toluna(fault) => fault.info(),
            Fault::Onsi(fault) => fault.info(),
        }
    }

    pub const fn name(self) -> &'static str {
        self.info().name
    }

    pub const fn api(self) -> Api {
        match self {
            Fault::Toluna(_) => Api::Toluna,
            Fault::Onsi(_) => Api::Onsi,
        }
    }
}

/// One entry of the fault catalogue, as the reports show it.
#[derive(Debug, Clone, Copy)]
pub struct FaultInfo {
    pub fault: Fault,
    /// Kebab-case name used on the command line (`--fault NAME`).
    pub name: &'static str,
    pub api: Api,
    /// What the fault breaks, and which documented statement it violates.
    pub summary: &'static str,
}

/// Every fault of both servers: Toluna's, then Onsi's, each in catalogue order.
pub fn catalogue() -> impl Iterator<Item = &'static FaultInfo> {
    let toluna = toluna::Fault::ALL.iter().map(|fault| fault.info());
    let onsi = onsi::Fault::ALL.iter().map(|fault| fault.info());
    toluna.chain(onsi)
}

impl Named for Fault {
    const KIND: &'static str = "fault";

    fn all() -> impl Iterator<Item = Fault> {
        catalogue().map(|info| info.fault)
    }

    fn name(self) -> &'static str {
        self.info().name
    }
}

/// The set of faults switched on in a server. Empty by default: a correct server.
pub type Faults = Switches<Fault>;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// A name is its API's, a hyphen, then the variant in lower-case words
    /// joined by hyphens (`PatchEchoStale`: `onsi-patch-echo-stale`); a word
    /// may hold what the variant spells as two (`WorkerIdNotUnique`:
    /// `onsi-workerid-not-unique`, as the name was published).
    #[test]
    fn each_name_is_its_api_and_variant_in_kebab_case() {
        let kebab = regex::Regex::new("^(toluna|onsi)(-[a-z0-9]+)+$").expect("a regex");
        for info in catalogue() {
            let variant = match info.fault {
                Fault::Toluna(f) => format!("{f:?}"),
                Fault::Onsi(f) => format!("{f:?}"),
            };
            assert!(kebab.is_match(info.name), "{}", info.name);
            let words = info
                .name
                .strip_prefix(info.api.name())
                .and_then(|rest| rest.strip_prefix('-'))
                .unwrap_or_else(|| panic!("{} does not start with its API", info.name));
            assert_eq!(
                words.replace('-', ""),
                variant.to_ascii_lowercase(),
                "{} is not the variant {variant}",
                info.name
            );
            assert_eq!(info.api, info.fault.api(), "{}", info.name);
            assert_eq!(info.fault.info().name, info.name);
            assert!(!info.summary.is_empty(), "{}", info.name);
        }
    }

    #[test]
    fn names_are_unique_and_read_back_as_their_fault() {
        let names: BTreeSet<&str> = catalogue().map(|f| f.name).collect();
        assert_eq!(names.len(), catalogue().count());
        for info in catalogue() {
            assert_eq!(Fault::from_name(info.name), Some(info.fault));
            let faults = Faults::from_names(&[info.name]).unwrap();
            assert!(faults.has(info.fault));
            assert_eq!(faults.names().collect::<Vec<_>>(), [info.name]);
        }
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_catalogue() {
        let error = Faults::from_names(&["onsi-patch-echo-stale", "no-such-fault"]).unwrap_err();
        assert_eq!(error.name, "no-such-fault");
        let text = error.to_string();
        assert!(
            text.starts_with("unknown fault `no-such-fault`; known faults: toluna-"),
            "{text}"
        );
        assert!(text.contains("onsi-patch-echo-stale"), "{text}");
    }

    #[test]
    fn a_set_answers_only_for_its_own_faults() {
        let faults = Faults::of([onsi::Fault::PatchEchoStale.into()]);
        assert!(faults.has(onsi::Fault::PatchEchoStale));
        assert!(!faults.has(onsi::Fault::PatchDropsPhoneEcho));
        assert!(!faults.has(toluna::Fault::PutHalfApplied));
        assert!(!Faults::none().has(onsi::Fault::PatchEchoStale));
    }
}
