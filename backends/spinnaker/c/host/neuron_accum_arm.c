/* ../alpha_synapse.h and ../lif_neuron.h (raw bits) against the same steps written with
 * gcc's fixed-point `accum` type, as sPyNNaker's C writes them, on the ARM968 only
 * (arm-none-eabi-gcc, run under qemu-arm by check_neuron_arm.sh): 300,000 steps of random
 * input, every state word compared.  Prints the number of steps that differ (must be 0). */
#include <stdio.h>
#include <stdint.h>
#include <stdfix.h>
#include "../alpha_synapse.h"
#include "../lif_neuron.h"
/* kdivk, decay_s1615 and MULT_ROUND_NEAREST_ACCUM are library functions on bits in sPyNNaker too
 * (maths-util.h, decay.h, round.h); what this checks is gcc's own accum *, + and - against
 * S1615_MUL and plain int32 arithmetic, and the order of the steps. */
static int32_t B(accum a){union{accum a;int32_t i;}u;u.a=a;return u.i;}
static accum K(int32_t i){union{accum a;int32_t i;}u;u.i=i;return u.a;}
static accum kdiv(accum a, accum b){ return K((int32_t)(uint32_t)((((uint64_t)(int64_t)B(a))<<15)/(uint64_t)(int64_t)B(b))); }
static accum dec(accum x, uint32_t d){ return K((int32_t)(((int64_t)B(x)*(int64_t)d)>>32)); }
static accum mulr(accum a, accum b){ int64_t p=(int64_t)B(a)*B(b); return K((int32_t)((p>>15)+((p>>14)&1))); }
int main(void){
  alpha_synapse_t e; lif_neuron_t n; uint32_t rs=12345, bad=0;
  alpha_synapse_init(&e, 3277, 10677, 3159861950u);
  lif_neuron_init(&n, 3277, 0, 0, 8192, 327680, 0, 0, 16384, 20<<15, 32442);
  accum lin=0, ex=0, q=0, tau=K(10677), init=kdiv(K(3277), tau*tau); uint32_t decay=3159861950u;
  accum V=0, R=kdiv(K(327680),K(8192)), eTC=K(32442); int timer=0;
  for (int t=0;t<300000;t++){ rs^=rs<<13; rs^=rs>>17; rs^=rs<<5;
    uint32_t u = (rs & 7) * 187 * ((rs>>3)&3); 
    if (u) { alpha_synapse_add_input(&e, (s1615_t)(u<<3));
      accum in=K(u<<3); q=in; ex=dec(ex,decay)+1.0k; accum tmp=1.0k-kdiv(1.0k,ex); lin=(lin+in*init)*tmp; }
    s1615_t c = alpha_synapse_current(&e); accum cr = lin*ex;
    int s = lif_neuron_step(&n, c, 4000);
    if (timer<=0){ accum inp=cr-K(4000); accum al=mulr(inp,R)+0.0k; V=al-mulr(eTC,al-V);} else timer--;
    int sr = B(V) >= (20<<15); if (sr){V=0.0k; timer=5;}
    alpha_synapse_shape(&e); lin=lin+q*init; ex=dec(ex,decay);
    if (B(cr)!=c || B(V)!=n.V || s!=sr || B(lin)!=e.lin || B(ex)!=e.exp) { if(bad<5) printf("diff at step %d: current %ld %ld, V %ld %ld\n", t, (long) B(cr), (long) c, (long) B(V), (long) n.V); bad++; }
  }
  printf("%lu\n", (unsigned long) bad); return 0;}
