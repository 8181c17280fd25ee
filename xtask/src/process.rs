//! Running child processes: one-shot commands, and the supervised servers of `dev`.

use std::ffi::OsStr;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nix::sys::signal::{self, SigHandler, Signal};
use nix::unistd::Pid;

pub fn step(what: &str) {
    println!("==> {what}");
}

pub fn command(program: impl AsRef<OsStr>) -> Command {
    Command::new(program)
}

pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(crate::workspace_root());
    cmd
}

pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{:?} failed ({status})", cmd.get_program());
    }
    Ok(())
}

/// Runs a command and returns its trimmed standard output, or None if it cannot run.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_: i32) {
    STOP.store(true, Ordering::SeqCst);
}

/// Runs the servers until Ctrl-C (or SIGTERM, or one of them dying), then stops them all
/// gracefully with SIGTERM, waiting for each to exit.
pub fn supervise(commands: Vec<(&str, Command)>) -> Result<()> {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        signal::signal(Signal::SIGINT, SigHandler::Handler(request_stop))?;
        signal::signal(Signal::SIGTERM, SigHandler::Handler(request_stop))?;
    }
    let mut children: Vec<(&str, Child)> = Vec::new();
    for (name, mut cmd) in commands {
        match cmd.spawn() {
            Ok(child) => children.push((name, child)),
            Err(error) => {
                stop_all(&mut children);
                return Err(error).with_context(|| format!("starting the {name}"));
            }
        }
    }
    let mut failure = None;
    while !STOP.load(Ordering::SeqCst) && failure.is_none() {
        for (name, child) in &mut children {
            if let Some(status) = child.try_wait()? {
                failure = Some(format!("the {name} exited ({status})"));
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("\n==> stopping");
    stop_all(&mut children);
    match failure {
        Some(message) => bail!(message),
        None => Ok(()),
    }
}

fn stop_all(children: &mut [(&str, Child)]) {
    for (_, child) in children.iter() {
        let _ = signal::kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
    }
    for (name, child) in children.iter_mut() {
        let deadline = std::time::Instant::now() + Duration::from_secs(35);
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if std::time::Instant::now() > deadline => {
                    eprintln!("the {name} did not stop in time; killing it");
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}
