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
    /// burn's `flex` CPU backend, on every core (`RAYON_NUM_THREADS` caps it; same bits).
    Cpu,
    /// A GPU through burn's wgpu runtime on Vulkan: build with `--features wgpu` (kernels
    /// compiled to WGSL) or `--features vulkan` (SPIR-V, with cooperative-matrix / tensor-core
    /// matmul where the driver offers it).
    Wgpu,
    /// A GPU if one is usable, else the CPU.
    #[default]
    Auto,
}

/// The float type of every tensor on the training device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats.
    #[default]
    F32,
    /// IEEE half precision: storage and arithmetic (burn's device float type; GPU matmuls
    /// accumulate in f32).
    F16,
    /// bfloat16: f32's range with 8 significant bits.
    Bf16,
}

impl Precision {
    /// Makes `self` the float type of tensors created on `device` from now on. Must come before
    /// the first tensor on it; f32 leaves the device as it is.
    ///
    /// # Errors
    /// [`Error::Device`] on the CPU, when the device has no arithmetic in that type (bf16 on
    /// many Vulkan drivers), or when it already holds tensors.
    pub fn apply(self, device: &Device) -> Result<()> {
        use burn::tensor::{DeviceConfig, FloatDType};
        let dtype = match self {
            Precision::F32 => return Ok(()),
            Precision::F16 => FloatDType::F16,
            Precision::Bf16 => FloatDType::BF16,
        };
        if *device == Device::flex() {
            // flex has the types, but the prototype estimator (exp(cos / τ)) overflows f16, and
            // a GPU run estimates them on the CPU in f32: a CPU run would have no f32 device.
            return Err(Error::Device(format!(
                "--precision {} needs a GPU (--device wgpu); the CPU trains in f32",
                self.name()
            )));
        }
        if !device.supports_dtype(dtype) {
            return Err(Error::Device(format!(
                "{device:?} has no {} arithmetic: use --precision f32",
                self.name()
            )));
        }
        device
            .clone()
            .configure(DeviceConfig::default().float_dtype(dtype))
            .map_err(|e| Error::Device(format!("cannot set --precision {}: {e:?}", self.name())))
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
            Precision::Bf16 => "bf16",
        }
    }
}

/// The device and a human description of it.
pub fn select(choice: DeviceChoice) -> Result<(Device, String)> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::flex(), "cpu (burn flex)".into())),
        DeviceChoice::Wgpu => gpu::wgpu(),
        DeviceChoice::Auto => match gpu::wgpu() {
            Ok(found) => Ok(found),
            Err(_) => Ok((
                Device::flex(),
                "cpu (burn flex; no usable GPU adapter)".into(),
            )),
        },
    }
}

/// Removes what only this process could use: the temporary kernel cache of a GPU run with
/// caching off (`DL2PA_CACHE_DIR=`). Call once, when the process is done with its devices.
pub fn release() {
    gpu::release();
}

#[cfg(feature = "wgpu")]
mod gpu {
    use burn::prelude::Device;

    use crate::error::{Error, Result};

    /// The shader language CubeCL compiles to in this build (burn's `vulkan` feature swaps
    /// WGSL for SPIR-V on Vulkan adapters).
    const COMPILER: &str = if cfg!(feature = "vulkan") {
        "SPIR-V"
    } else {
        "WGSL"
    };

    pub fn wgpu() -> Result<(Device, String)> {
        use burn::tensor::wgpu::WgpuBackend;
        keep_kernels();
        // Vulkan is pinned: on Auto, a machine without a Vulkan driver falls back to GL, whose
        // worker thread panics instead of returning an error.
        let device = Device::wgpu_options()
            .graphics_api(WgpuBackend::Vulkan)
            .init()
            .map_err(|e| Error::Device(format!("no usable Vulkan adapter ({e})")))?;
        Ok((device, format!("wgpu (Vulkan, {COMPILER})")))
    }

    /// The kernel cache of this process alone (caching off), once a GPU device has started.
    static TEMPORARY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

    pub fn release() {
        if let Some(dir) = TEMPORARY.get() {
            // Best effort: a directory that cannot be removed is left for the system's cleaner.
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Points CubeCL's persistent store (autotune results; compiled SPIR-V) at `gpu/` in this
    /// program's cache directory, so a second process on the machine skips the first one's
    /// tuning. With caching off (`DL2PA_CACHE_DIR=`) each process gets a fresh directory of its
    /// own under the system's temporary directory — every start is cold — which [`release`]
    /// removes. The rest of CubeCL's configuration is read as CubeCL reads it (`cubecl.toml`,
    /// `CUBECL_*`); only the directory is ours. It must be set before the first device starts:
    /// CubeCL reads its configuration once.
    fn keep_kernels() {
        use burn::cubecl::config::cache::CacheConfig;
        use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};
        let root = crate::cache::dir().map_or_else(
            || {
                let temporary =
                    std::env::temp_dir().join(format!("dl2pa-gpu-{}", std::process::id()));
                TEMPORARY.get_or_init(|| temporary).clone()
            },
            |dir| dir.join("gpu"),
        );
        let mut config = CubeClRuntimeConfig::from_current_dir().override_from_env();
        config.environment.path = CacheConfig::Directory(root);
        // false when CubeCL's configuration was already read (a second device in one process):
        // then the first choice stands.
        let _ = CubeClRuntimeConfig::try_set(config);
    }
}

#[cfg(not(feature = "wgpu"))]
mod gpu {
    use burn::prelude::Device;

    use crate::error::{Error, Result};

    pub fn release() {}

    pub fn wgpu() -> Result<(Device, String)> {
        Err(Error::Device(
            "this binary was built without GPU support: rebuild with `--features wgpu` or \
             `--features vulkan`"
                .into(),
        ))
    }
}
