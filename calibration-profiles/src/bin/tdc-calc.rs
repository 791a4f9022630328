//! `tdc-calc`: the metrology engine from the command line. Reads JSON from a file or `-`,
//! prints JSON (or a table with `--table`). Bad input prints every problem, each naming its
//! field, and exits with status 2; `profiles check` exits with 1 when a profile has problems.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use calibration_profiles::calc::{self, MonteCarlo};
use calibration_profiles::mpe::Stage;
use calibration_profiles::problems::{Problems, from_json};
use calibration_profiles::profile::{FileKind, schemas};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(
    name = "tdc-calc",
    version,
    about = "GUM uncertainty, regression, MPE tables and decision rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Propagate uncertainty through a measurement model (JCGM 100; optional JCGM 101 check).
    Uncertainty {
        /// JSON input, or `-` for standard input.
        file: PathBuf,
        /// Also run a Monte Carlo check with this many trials (e.g. 1000000).
        #[arg(long, value_name = "N")]
        monte_carlo: Option<usize>,
        /// Seed of the Monte Carlo generator (same seed, same result).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print a budget table instead of JSON.
        #[arg(long)]
        table: bool,
    },
    /// Fit a straight calibration line by least squares (GUM H.3).
    Regression {
        file: PathBuf,
        #[arg(long)]
        table: bool,
    },
    /// Look up a maximum permissible error (or a tolerable deficiency for oiml-r87).
    Mpe {
        /// Table id, e.g. oiml-r76, oiml-r111, oiml-r117, oiml-r87, dlvn-10-2017.
        #[arg(long = "table")]
        table_id: String,
        #[arg(long)]
        class: Option<String>,
        /// Verification scale interval, e.g. "0.5 g".
        #[arg(long)]
        e: Option<String>,
        #[arg(long)]
        load: Option<String>,
        #[arg(long)]
        nominal: Option<String>,
        #[arg(long)]
        quantity: Option<String>,
        #[arg(long, value_enum)]
        stage: Option<StageArg>,
    },
    /// State conformity under a decision rule (ILAC-G8, JCGM 106).
    Decide {
        file: PathBuf,
        #[arg(long)]
        table: bool,
    },
    /// Judge a lot of prepackaged goods (Circular 21/2014, OIML R 87): sample size, mean and
    /// individual criteria, outcome. Input: {"nominal", "lot_size", "net" | "gross" + "tare"}.
    Prepackaged { file: PathBuf },
    /// Profile files: check them, or write their JSON Schemas.
    Profiles {
        #[command(subcommand)]
        command: ProfilesCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ProfilesCommand {
    /// Validate every profile under DIR (procedures/, instruments/, tables/mpe/, tables/cycles.toml).
    Check { dir: PathBuf },
    /// Write the JSON Schemas of the data formats into DIR.
    Schema { dir: PathBuf },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StageArg {
    Initial,
    InService,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads the input text, from standard input for `-`.
fn read_input(file: &Path) -> Result<String> {
    if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("while reading standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("while reading {}", file.display()))
    }
}

/// Prints problems, one per line, and returns the exit status for bad input.
fn report(p: &Problems) -> ExitCode {
    for problem in p.iter() {
        eprintln!("error: {problem}");
    }
    ExitCode::from(2)
}

fn print_json<T: Serialize>(v: &T) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_lines)] // one arm per subcommand
fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Uncertainty {
            file,
            monte_carlo,
            seed,
            table,
        } => {
            let req = match from_json::<calc::UncertaintyRequest>(&read_input(&file)?) {
                Ok(r) => r,
                Err(p) => return Ok(report(&p)),
            };
            let mc = monte_carlo.map(|trials| MonteCarlo { trials, seed });
            match calc::uncertainty(&req, mc) {
                Ok(r) if table => {
                    print!("{}", uncertainty_table(&r));
                    Ok(ExitCode::SUCCESS)
                }
                Ok(r) => print_json(&r),
                Err(p) => Ok(report(&p)),
            }
        }
        Command::Prepackaged { file } => {
            let input =
                match from_json::<calibration_profiles::prepackaged::LotInput>(&read_input(&file)?)
                {
                    Ok(r) => r,
                    Err(p) => return Ok(report(&p)),
                };
            match calibration_profiles::prepackaged::lot_verdict(&input) {
                Ok(v) => print_json(&v),
                Err(p) => Ok(report(&p)),
            }
        }
        Command::Regression { file, table } => {
            let req = match from_json::<calc::RegressionRequest>(&read_input(&file)?) {
                Ok(r) => r,
                Err(p) => return Ok(report(&p)),
            };
            match calc::regression(&req) {
                Ok(f) if table => {
                    println!(
                        "intercept  {:>14.6e}  u = {:.3e}",
                        f.intercept, f.u_intercept
                    );
                    println!("slope      {:>14.6e}  u = {:.3e}", f.slope, f.u_slope);
                    println!("r(a, b)    {:>14.4}", f.correlation);
                    println!(
                        "s          {:>14.4e}  ν = {}",
                        f.residual_standard_deviation, f.degrees_of_freedom
                    );
                    if let Some(p) = f.prediction {
                        println!(
                            "y({})    {:>14.6e}  u = {:.3e}",
                            p.x0, p.value, p.standard_uncertainty
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Ok(f) => print_json(&f),
                Err(p) => Ok(report(&p)),
            }
        }
        Command::Mpe {
            table_id,
            class,
            e,
            load,
            nominal,
            quantity,
            stage,
        } => {
            let req = calc::MpeRequest {
                table: table_id,
                class,
                e,
                load,
                nominal,
                quantity,
                stage: stage.map(|s| match s {
                    StageArg::Initial => Stage::Initial,
                    StageArg::InService => Stage::InService,
                }),
            };
            match calc::mpe(&req) {
                Ok(m) => print_json(&m),
                Err(p) => Ok(report(&p)),
            }
        }
        Command::Decide { file, table } => {
            let req = match from_json::<calc::DecideRequest>(&read_input(&file)?) {
                Ok(r) => r,
                Err(p) => return Ok(report(&p)),
            };
            match calc::decide(&req) {
                Ok(d) if table => {
                    println!(
                        "{} ({:?}); probability of conformity {:.4}",
                        d.outcome.label_vi(),
                        d.outcome,
                        d.probability_of_conformity
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Ok(d) => print_json(&d),
                Err(p) => Ok(report(&p)),
            }
        }
        Command::Profiles {
            command: ProfilesCommand::Check { dir },
        } => check_profiles(&dir),
        Command::Profiles {
            command: ProfilesCommand::Schema { dir },
        } => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("while creating {}", dir.display()))?;
            for (name, text) in schemas() {
                let path = dir.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("while writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Validates every profile file found under `dir`; prints each problem as
/// `file:line: path: message`. Ids must be unique per kind and match the file name.
fn check_profiles(dir: &Path) -> Result<ExitCode> {
    let mut files = Vec::new();
    collect(dir, &mut files).with_context(|| format!("while reading {}", dir.display()))?;
    files.sort();
    let mut bad = 0usize;
    let mut checked = 0usize;
    let mut seen: Vec<(FileKind, String, PathBuf)> = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let Some(kind) = FileKind::from_path(&rel) else {
            continue;
        };
        checked += 1;
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("while reading {}", path.display()))?;
        match kind.check(&text) {
            Ok(id) => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if kind != FileKind::Cycles && stem != id {
                    println!("{rel}: id: `{id}` must equal the file name `{stem}`");
                    bad += 1;
                }
                if let Some((_, _, other)) = seen.iter().find(|(k, i, _)| *k == kind && *i == id) {
                    println!("{rel}: id: `{id}` is also declared in {}", other.display());
                    bad += 1;
                }
                seen.push((kind, id, path.clone()));
            }
            Err(problems) => {
                bad += 1;
                for p in problems.iter() {
                    println!("{}", p.located(&rel));
                }
            }
        }
    }
    if checked == 0 {
        println!(
            "no profile files under {} (expected procedures/, instruments/, tables/)",
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    if bad == 0 {
        println!("{checked} files checked, all valid");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{checked} files checked, {bad} with problems");
        Ok(ExitCode::from(1))
    }
}

/// Collects files below `dir`, skipping build output, hidden folders and test fixtures
/// (deliberately invalid profiles live there).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || name == "target" || name == "tests" {
                continue;
            }
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `v` with `n` significant digits, fixed notation for everyday magnitudes.
fn sig(v: f64, n: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    // |log10| of a finite f64 is below 400: the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let exp = v.abs().log10().floor() as i32;
    if (-4..=9).contains(&exp) {
        let decimals = usize::try_from((n - 1 - exp).max(0)).unwrap_or(0);
        let mut t = format!("{v:.decimals$}");
        if t.contains('.') {
            t = t.trim_end_matches('0').trim_end_matches('.').to_owned();
        }
        t
    } else {
        let p = usize::try_from(n - 1).unwrap_or(0);
        format!("{v:.p$e}")
    }
}

fn uncertainty_table(r: &calc::UncertaintyResponse) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for o in &r.outputs {
        let res = &o.result;
        let dof = res
            .effective_degrees_of_freedom
            .map_or("∞".to_owned(), |v| format!("{v:.1}"));
        let _ = writeln!(
            s,
            "{} = {}   u_c = {}   ν_eff = {dof}   k = {:.3}   U = {} (p = {})",
            res.name,
            sig(res.value, 10),
            sig(res.combined_standard_uncertainty, 3),
            res.coverage_factor,
            sig(res.expanded_uncertainty, 3),
            res.coverage_probability
        );
        let _ = writeln!(
            s,
            "  {:<12} {:>16} {:>11} {:>6} {:>12} {:>11}",
            "quantity", "value", "u(x_i)", "ν_i", "c_i", "u_i(y)"
        );
        for c in &res.components {
            let nu = c
                .degrees_of_freedom
                .map_or("∞".to_owned(), |v| format!("{v:.0}"));
            let _ = writeln!(
                s,
                "  {:<12} {:>16} {:>11} {:>6} {:>12} {:>11}",
                c.name,
                sig(c.value, 10),
                sig(c.standard_uncertainty, 3),
                nu,
                sig(c.sensitivity_coefficient, 4),
                sig(c.contribution, 3)
            );
        }
        if let Some(mc) = &o.monte_carlo {
            // Values to the decimal that shows three significant digits of the uncertainty;
            // |log10 u| of a finite positive u is below 400, so the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            let decimals = if mc.standard_uncertainty > 0.0 {
                usize::try_from(2 - mc.standard_uncertainty.log10().floor() as i64).unwrap_or(0)
            } else {
                6
            };
            let _ = writeln!(
                s,
                "  Monte Carlo ({} trials): y = {:.decimals$}, u = {}, {}% interval [{:.decimals$}, {:.decimals$}]",
                mc.trials,
                mc.value,
                sig(mc.standard_uncertainty, 3),
                res.coverage_probability * 100.0,
                mc.coverage_interval[0],
                mc.coverage_interval[1]
            );
        }
    }
    for c in &r.correlations {
        let _ = writeln!(s, "r({}, {}) = {:.4}", c.a, c.b, c.r);
    }
    s
}
