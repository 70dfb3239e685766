//! Choosing the compute device, once, at the top of the program.
//!
//! Nothing below the CLI names a concrete device: everything takes the `Device` chosen here.

use burn::prelude::Device;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which device to run on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// burn's `flex` CPU backend.
    Cpu,
    /// A GPU through burn-wgpu on Vulkan (build with `--features wgpu`).
    Wgpu,
    /// A GPU if one is usable, else the CPU.
    #[default]
    Auto,
}

/// The device and a human description of it.
pub fn select(choice: DeviceChoice) -> Result<(Device, String)> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::flex(), "cpu (burn flex)".into())),
        DeviceChoice::Wgpu => wgpu(),
        DeviceChoice::Auto => match wgpu() {
            Ok(found) => Ok(found),
            Err(_) => Ok((
                Device::flex(),
                "cpu (burn flex; no usable GPU adapter)".into(),
            )),
        },
    }
}

#[cfg(feature = "wgpu")]
fn wgpu() -> Result<(Device, String)> {
    use burn::tensor::wgpu::WgpuBackend;
    // Vulkan is pinned: on Auto, a machine without a Vulkan driver falls back to GL, whose
    // worker thread panics instead of returning an error.
    let device = Device::wgpu_options()
        .graphics_api(WgpuBackend::Vulkan)
        .init()
        .map_err(|e| Error::Device(format!("no usable Vulkan adapter ({e})")))?;
    Ok((device, "wgpu (Vulkan)".into()))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu() -> Result<(Device, String)> {
    Err(Error::Device(
        "this binary was built without GPU support: rebuild with `--features wgpu`".into(),
    ))
}
