//! all-MiniLM-L6-v2: a 6-layer BERT encoder (hidden 384, 12 heads, GELU), mean pooling over
//! the attention mask and L2 normalisation, as sentence-transformers computes it. Written
//! on candle-nn's layers rather than taken from candle-transformers, which would compile
//! every model it ships.

use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, LayerNormConfig, Linear, VarBuilder};
use serde::Deserialize;

use crate::EmbedError;

/// The fields of the model's `config.json` the forward pass needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
    #[serde(default = "gelu")]
    pub hidden_act: String,
}

fn gelu() -> String {
    "gelu".to_owned()
}

fn layer_norm(size: usize, eps: f64, vb: VarBuilder<'_>) -> candle_core::Result<LayerNorm> {
    candle_nn::layer_norm(
        size,
        LayerNormConfig {
            eps,
            ..LayerNormConfig::default()
        },
        vb,
    )
}

#[derive(Debug)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

impl Layer {
    fn load(config: &BertConfig, vb: &VarBuilder<'_>) -> candle_core::Result<Self> {
        let h = config.hidden_size;
        let attention = vb.pp("attention");
        Ok(Self {
            query: candle_nn::linear(h, h, attention.pp("self").pp("query"))?,
            key: candle_nn::linear(h, h, attention.pp("self").pp("key"))?,
            value: candle_nn::linear(h, h, attention.pp("self").pp("value"))?,
            attention_out: candle_nn::linear(h, h, attention.pp("output").pp("dense"))?,
            attention_norm: layer_norm(
                h,
                config.layer_norm_eps,
                attention.pp("output").pp("LayerNorm"),
            )?,
            intermediate: candle_nn::linear(
                h,
                config.intermediate_size,
                vb.pp("intermediate").pp("dense"),
            )?,
            output: candle_nn::linear(config.intermediate_size, h, vb.pp("output").pp("dense"))?,
            output_norm: layer_norm(h, config.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }

    /// `x`: (batch, len, hidden); `mask_bias`: (batch, 1, 1, len), 0 for tokens and a large
    /// negative number for padding.
    fn forward(&self, x: &Tensor, mask_bias: &Tensor, heads: usize) -> candle_core::Result<Tensor> {
        let (batch, len, hidden) = x.dims3()?;
        let head_dim = hidden / heads;
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((batch, len, heads, head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.query.forward(x)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        #[allow(clippy::cast_precision_loss)] // head_dim is 32
        let scale = 1.0 / (head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(mask_bias)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch, len, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + x)?)?;
        let inner = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.output_norm
            .forward(&(self.output.forward(&inner)? + attended)?)
    }
}

/// The encoder's weights.
#[derive(Debug)]
pub(crate) struct MiniLm {
    word_embeddings: Embedding,
    position_embeddings: Embedding,
    token_type_embeddings: Embedding,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    max_positions: usize,
    device: Device,
}

impl MiniLm {
    /// Builds the model from `config.json` and the `model.safetensors` bytes.
    pub(crate) fn load(config: &BertConfig, weights: Vec<u8>) -> Result<Self, EmbedError> {
        if config.hidden_act != "gelu" {
            return Err(EmbedError::Load(format!(
                "unsupported activation {:?} (expected gelu)",
                config.hidden_act
            )));
        }
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(EmbedError::Load(
                "hidden size is not a multiple of the head count".to_owned(),
            ));
        }
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(load_error)?;
        let h = config.hidden_size;
        let emb = vb.pp("embeddings");
        let model = Self {
            word_embeddings: candle_nn::embedding(config.vocab_size, h, emb.pp("word_embeddings"))
                .map_err(load_error)?,
            position_embeddings: candle_nn::embedding(
                config.max_position_embeddings,
                h,
                emb.pp("position_embeddings"),
            )
            .map_err(load_error)?,
            token_type_embeddings: candle_nn::embedding(
                config.type_vocab_size,
                h,
                emb.pp("token_type_embeddings"),
            )
            .map_err(load_error)?,
            embeddings_norm: layer_norm(h, config.layer_norm_eps, emb.pp("LayerNorm"))
                .map_err(load_error)?,
            layers: (0..config.num_hidden_layers)
                .map(|i| Layer::load(config, &vb.pp("encoder").pp("layer").pp(i)))
                .collect::<candle_core::Result<_>>()
                .map_err(load_error)?,
            heads: config.num_attention_heads,
            max_positions: config.max_position_embeddings,
            device,
        };
        Ok(model)
    }

    /// Longest input in tokens.
    pub(crate) fn max_positions(&self) -> usize {
        self.max_positions
    }

    /// Sentence embeddings of a padded batch: `ids` and `mask` are `batch × len` row-major
    /// (`mask` 1 for a token, 0 for padding). Each row is L2-normalised.
    pub(crate) fn embed(
        &self,
        ids: Vec<u32>,
        mask: Vec<u32>,
        batch: usize,
        len: usize,
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let ids = Tensor::from_vec(ids, (batch, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (batch, len), &self.device)?.to_dtype(DType::F32)?;
        let positions = Tensor::arange(0u32, u32::try_from(len).unwrap_or(u32::MAX), &self.device)?
            .unsqueeze(0)?
            .broadcast_as((batch, len))?
            .contiguous()?;
        let types = Tensor::zeros((batch, len), DType::U32, &self.device)?;
        let x = (self.word_embeddings.forward(&ids)?
            + self.position_embeddings.forward(&positions)?)?
        .add(&self.token_type_embeddings.forward(&types)?)?;
        let mut x = self.embeddings_norm.forward(&x)?;
        // 0 where attended, -10000 on padding (BERT's additive mask).
        let mask_bias = ((mask.clone() - 1.0)? * 10_000.0)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        for layer in &self.layers {
            x = layer.forward(&x, &mask_bias, self.heads)?;
        }
        // Mean over the real tokens.
        let weights = mask.unsqueeze(D::Minus1)?;
        let summed = x.broadcast_mul(&weights)?.sum(1)?;
        let counts = weights.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

#[allow(clippy::needless_pass_by_value)] // the shape `map_err` calls
fn load_error(e: candle_core::Error) -> EmbedError {
    EmbedError::Load(e.to_string())
}
