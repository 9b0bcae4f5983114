//! Side-by-side comparison of iam-policy, Cedar and regorus on the secret-server workload.
//!
//! For each size N, every engine is deployed, must reproduce every expected decision (the run
//! aborts otherwise), and is then timed in interleaved rounds in this one process: round r runs
//! iam-policy over all requests, then Cedar, then regorus. The median over rounds of the mean
//! time per decision is reported.
//!
//! Usage: `cargo run --release --manifest-path benches/compare/Cargo.toml -- [--quick]
//! [--sizes 10,1000] [--rounds R] [--mix]`

#[path = "../../workload.rs"]
mod workload;

mod cedar;
mod engine;
mod iam;
mod rego;

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use engine::Engine;
use workload::Workload;

/// Command-line options.
#[derive(Debug)]
struct Options {
    sizes: Vec<usize>,
    rounds: usize,
    mix_only: bool,
}

fn options() -> Result<Options, String> {
    let mut sizes = workload::SIZES.to_vec();
    let mut rounds = None;
    let mut quick = false;
    let mut mix_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--mix" => mix_only = true,
            "--sizes" => {
                let v = args.next().ok_or("`--sizes` needs a value")?;
                sizes = v
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("bad size `{s}`")))
                    .collect::<Result<_, _>>()?;
            }
            "--rounds" => {
                let v = args.next().ok_or("`--rounds` needs a value")?;
                rounds = Some(v.parse().map_err(|_| format!("bad round count `{v}`"))?);
            }
            "-h" | "--help" => {
                println!("usage: iam-policy-compare [--quick] [--sizes 10,1000] [--rounds R] [--mix]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let rounds = rounds.unwrap_or(if quick { 5 } else { 21 }).max(1);
    Ok(Options {
        sizes,
        rounds,
        mix_only,
    })
}

/// Checks every decision of `engine` against the workload; a description of the first
/// mismatches on failure.
fn verify<E: Engine>(engine: &E, w: &Workload) -> Result<(), String> {
    let mut wrong = Vec::new();
    for (i, r) in w.requests.iter().enumerate() {
        let got = engine.decide(i);
        if got != r.expected {
            wrong.push((i, got));
        }
    }
    if wrong.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "{} got {} of {} decisions wrong; first ones:\n",
        E::NAME,
        wrong.len(),
        w.requests.len()
    );
    for &(i, got) in wrong.iter().take(5) {
        if let Some(r) = w.requests.get(i) {
            msg.push_str(&format!(
                "  #{i} {:?}: {} {} on {} context {:?}: expected {:?}, got {got:?}\n    {}\n",
                r.kind,
                r.session_arn,
                r.action,
                r.resource_arn,
                r.context,
                r.expected,
                engine.explain(i)
            ));
        }
    }
    Err(msg)
}

/// Mean nanoseconds per decision over all requests, once.
fn time_round<E: Engine>(engine: &E, n: usize) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        black_box(engine.decide(black_box(i)));
    }
    start.elapsed().as_nanos() as f64 / n.max(1) as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    match (v.len() % 2, v.get(mid), mid.checked_sub(1).and_then(|j| v.get(j))) {
        (1, Some(&m), _) => m,
        (0, Some(&b), Some(&a)) => (a + b) / 2.0,
        _ => f64::NAN,
    }
}

fn prepare<E: Engine>(w: &Workload) -> Result<E, String> {
    let start = Instant::now();
    let engine = E::prepare(w).map_err(|e| format!("{}: {e}", E::NAME))?;
    println!(
        "# N={} {} deployed in {:.2} s",
        w.secrets.len(),
        E::NAME,
        start.elapsed().as_secs_f64()
    );
    Ok(engine)
}

fn run_size(n: usize, rounds: usize) -> Result<(), String> {
    let start = Instant::now();
    let w = workload::standard(n);
    let (allow, explicit, implicit) = w.mix();
    println!(
        "# N={n}: {} requests, allow {allow:.1} % explicit deny {explicit:.1} % implicit deny \
         {implicit:.1} %, generated in {:.2} s",
        w.requests.len(),
        start.elapsed().as_secs_f64()
    );
    let iam = prepare::<iam::IamPolicy>(&w)?;
    let cedar = prepare::<cedar::Cedar>(&w)?;
    let regorus = prepare::<rego::Regorus>(&w)?;
    if !iam::PENDING {
        verify(&iam, &w)?;
    }
    verify(&cedar, &w)?;
    verify(&regorus, &w)?;
    println!("# N={n}: every engine reproduced all {} expected decisions", w.requests.len());

    let count = w.requests.len();
    let (mut t_iam, mut t_cedar, mut t_rego) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        if !iam::PENDING {
            t_iam.push(time_round(&iam, count));
        }
        t_cedar.push(time_round(&cedar, count));
        t_rego.push(time_round(&regorus, count));
    }
    let cedar_ns = median(t_cedar);
    let rego_ns = median(t_rego);
    if iam::PENDING {
        println!("N={n} iam-policy pending cedar {cedar_ns:.0} ns ratio pending");
    } else {
        let iam_ns = median(t_iam);
        println!(
            "N={n} iam-policy {iam_ns:.0} ns cedar {cedar_ns:.0} ns ratio {:.1}",
            cedar_ns / iam_ns
        );
    }
    println!("N={n} regorus {rego_ns:.0} ns");
    Ok(())
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if opts.mix_only {
        for &n in &opts.sizes {
            let (a, e, i) = workload::standard(n).mix();
            println!("N={n} allow {a:.1} % explicit deny {e:.1} % implicit deny {i:.1} %");
        }
        return ExitCode::SUCCESS;
    }
    println!(
        "# {} requests per size, {} interleaved rounds, median ns per decision",
        workload::REQUESTS,
        opts.rounds
    );
    let start = Instant::now();
    for &n in &opts.sizes {
        if let Err(e) = run_size(n, opts.rounds) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("# total {:.1} s", start.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
