//! Writing model files (host side, `alloc`).

use super::{
    Body, FLAG_BACKBONE, FLAG_INPUT_ID, FLAG_NAMES, FLAG_NET, LayerBody, MODEL_MAGIC,
    MODEL_VERSION, NetHead, NetLayerBody, Quant,
};
use crate::format::container;

/// Writes model files (host side).
pub struct ModelBuilder {
    classes: usize,
    dim: usize,
    quant: Quant,
    prototypes: alloc::vec::Vec<u8>,
    num_prototypes: usize,
    sigma: alloc::vec::Vec<u8>,
    names: Option<alloc::string::String>,
    input_id: Option<u32>,
    backbone: Option<(f32, alloc::vec::Vec<crate::dense::DenseI8>)>,
    net: Option<crate::net::NetI8>,
}

impl ModelBuilder {
    /// An int8 model: `q` holds `classes × dim` values in class order, `step` their unit.
    /// σ defaults to the identity.
    pub fn int8(q: &[i8], step: f32, classes: usize, dim: usize) -> Self {
        Self::new(
            bytemuck::cast_slice(q).to_vec(),
            Quant::Int8 { step },
            classes,
            dim,
        )
    }

    /// An f32 model: `p` holds `classes × dim` unit rows in class order.
    pub fn f32(p: &[f32], classes: usize, dim: usize) -> Self {
        Self::new(
            p.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Quant::F32,
            classes,
            dim,
        )
    }

    fn new(prototypes: alloc::vec::Vec<u8>, quant: Quant, classes: usize, dim: usize) -> Self {
        let sigma = (0..classes as u32).flat_map(|c| c.to_le_bytes()).collect();
        ModelBuilder {
            classes,
            dim,
            quant,
            prototypes,
            num_prototypes: classes,
            sigma,
            names: None,
            input_id: None,
            backbone: None,
            net: None,
        }
    }

    /// The identity of the input pipeline (see [`ModelRef::input_id`](super::ModelRef::input_id); sets flag bit 3).
    pub fn input_id(mut self, id: u32) -> Self {
        self.input_id = Some(id);
        self
    }

    /// σ (class → prototype index) out of `num_prototypes` prototypes.
    pub fn sigma(mut self, sigma: &[u32], num_prototypes: usize) -> Self {
        self.sigma = sigma.iter().flat_map(|c| c.to_le_bytes()).collect();
        self.num_prototypes = num_prototypes;
        self
    }

    /// Class names (must not contain a newline).
    pub fn names<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        let mut s = alloc::string::String::new();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(n.as_ref());
        }
        self.names = Some(s);
        self
    }

    /// An int8 MLP backbone (int8 models only): `layers` in order, inputs quantised with
    /// `input_step`.
    pub fn backbone(
        mut self,
        input_step: f32,
        layers: alloc::vec::Vec<crate::dense::DenseI8>,
    ) -> Self {
        self.backbone = Some((input_step, layers));
        self
    }

    /// An int8 layer-list backbone (int8 models only; not together with
    /// [`ModelBuilder::backbone`]).
    pub fn net(mut self, net: crate::net::NetI8) -> Self {
        self.net = Some(net);
        self
    }

    /// The file's bytes. Run [`Model::from_bytes`](super::Model::from_bytes) on them to validate.
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        let body = Body {
            classes: self.classes as u32,
            dim: self.dim as u32,
            quant: self.quant,
            prototypes: &self.prototypes,
            num_prototypes: self.num_prototypes as u32,
            sigma: &self.sigma,
            class_names: self.names.as_deref(),
        };
        let mut encoded = postcard::to_allocvec(&body).unwrap_or_default();
        let mut flags = if self.names.is_some() { FLAG_NAMES } else { 0 };
        if let Some(id) = self.input_id {
            flags |= FLAG_INPUT_ID;
            encoded.extend_from_slice(&id.to_le_bytes());
        }
        if let Some((step, layers)) = &self.backbone {
            flags |= FLAG_BACKBONE;
            let mut push = |bytes: alloc::vec::Vec<u8>| encoded.extend_from_slice(&bytes);
            push(postcard::to_allocvec(step).unwrap_or_default());
            push(postcard::to_allocvec(&(layers.len() as u32)).unwrap_or_default());
            for l in layers {
                let (bias, multiplier) = l.le_bytes();
                push(postcard::to_allocvec(&dense_body(l, &bias, &multiplier)).unwrap_or_default());
            }
        }
        if let Some(net) = &self.net {
            flags |= FLAG_NET;
            encoded.extend_from_slice(&net_bytes(net));
        }
        container::seal(&MODEL_MAGIC, MODEL_VERSION, flags, &encoded)
    }
}

/// The wire form of an owned dense layer whose bias and multiplier bytes are given.
fn dense_body<'a>(
    l: &'a crate::dense::DenseI8,
    bias: &'a [u8],
    multiplier: &'a [u8],
) -> LayerBody<'a> {
    LayerBody {
        inputs: l.inputs as u32,
        outputs: l.outputs as u32,
        weights: bytemuck::cast_slice(&l.weights),
        bias,
        multiplier,
        shift: bytemuck::cast_slice(&l.shift),
    }
}

/// The bytes of a layer list: its head, then each layer.
fn net_bytes(net: &crate::net::NetI8) -> alloc::vec::Vec<u8> {
    use crate::net::{LayerI8, le_f32, le_i32};
    let (offset, scale) = (le_f32(&net.input_offset), le_f32(&net.input_scale));
    let head = NetHead {
        height: net.input.height as u32,
        width: net.input.width as u32,
        channels: net.input.channels as u32,
        input_offset: &offset,
        input_scale: &scale,
        layers: net.layers.len() as u32,
    };
    let mut out = postcard::to_allocvec(&head).unwrap_or_default();
    for l in &net.layers {
        let bytes = match l {
            LayerI8::Dense(d) => {
                let (bias, multiplier) = d.le_bytes();
                postcard::to_allocvec(&NetLayerBody::Dense(dense_body(d, &bias, &multiplier)))
            }
            LayerI8::Conv(c) => {
                let (bias, multiplier) = (le_i32(&c.bias), le_i32(&c.multiplier));
                postcard::to_allocvec(&NetLayerBody::Conv {
                    kernel: c.kernel as u32,
                    stride: c.stride as u32,
                    padding: c.padding as u32,
                    channels: LayerBody {
                        inputs: c.inputs as u32,
                        outputs: c.outputs as u32,
                        weights: bytemuck::cast_slice(&c.weights),
                        bias: &bias,
                        multiplier: &multiplier,
                        shift: bytemuck::cast_slice(&c.shift),
                    },
                })
            }
            LayerI8::MaxPool => postcard::to_allocvec(&NetLayerBody::MaxPool),
            LayerI8::GlobalAvgPool => postcard::to_allocvec(&NetLayerBody::GlobalAvgPool),
        };
        out.extend_from_slice(&bytes.unwrap_or_default());
    }
    out
}
